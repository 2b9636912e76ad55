package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.autograd.nn.GELU;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Sequential;
import org.jlora.autograd.optim.AdamW;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/** The README training example runs, learns XOR, and is the very code the root README.md shows. */
class ReadmeSnippetTest {

  @Test
  void theSnippetTrains() {
    // ---- snippet start
    Rng rng = new Rng(42);
    Sequential model = new Sequential(new Linear(2, 16, true, rng), new GELU(true), new Linear(16, 2, true, rng));
    AdamW opt = new AdamW(model.parameters(), 0.05f, 0.01f);
    Variable x = Variable.constant(Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2));
    int[] xor = {0, 1, 1, 0};
    for (int step = 0; step < 200; step++) {
      opt.zeroGrad();
      Variable loss = F.crossEntropy(model.forward(x), xor, -100);   // logits [4, 2] -> mean NLL
      loss.backward();
      opt.step();
    }
    // ---- snippet end
    float loss;
    try (NoGrad g = NoGrad.enter()) {
      loss = F.crossEntropy(model.forward(x), xor, -100).value().item();
    }
    assertTrue(loss < 0.05f, "XOR learned, loss " + loss);
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    // The root README shows it after the marker <!-- snippet: autograd -->.
    String md = Files.readString(Path.of("../README.md"));
    int marker = md.indexOf("<!-- snippet: autograd -->");
    assertTrue(marker >= 0, "README.md has the autograd snippet marker");
    int start = md.indexOf("```java\n", marker) + 8;
    String code = md.substring(start, md.indexOf("```", start));
    String src = Files.readString(Path.of("src/test/java/org/jlora/autograd/ReadmeSnippetTest.java"));
    String snippet = src.substring(src.indexOf("// ---- snippet start\n") + 22, src.indexOf("    // ---- snippet end"));
    assertEquals(code.strip(), snippet.stripTrailing().stripIndent().strip());
  }
}
