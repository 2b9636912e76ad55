package org.jlora.lora;

import java.io.IOException;
import java.nio.file.Path;
import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.lora.io.SafeTensors;

/**
 * The torch model of make_peft_variant_goldens.py, with the same module names, x: [N, 8] -> [N, 4]:
 * {@code model.layers.{0,1,2}.q / .v / .mlp.fc} Linear(8, 8) and {@code head} Linear(8, 4), all with bias;
 * {@code h = x; per layer: h = h + v(tanh(q(h))); h = h + mlp.fc(h); out = head(h)}.
 */
final class TinyStack extends Module {
  static final Path GOLDENS = Path.of("src/test/resources/peft-variants");

  static final class Mlp extends Module {
    final Child<Linear> fc;

    Mlp(Rng rng) {
      fc = registerModule("fc", new Linear(8, 8, true, rng));
    }
  }

  static final class Layer extends Module {
    final Child<Linear> q;
    final Child<Linear> v;
    final Child<Mlp> mlp;

    Layer(Rng rng) {
      q = registerModule("q", new Linear(8, 8, true, rng));
      v = registerModule("v", new Linear(8, 8, true, rng));
      mlp = registerModule("mlp", new Mlp(rng));
    }

    @Override
    public Variable forward(Variable h) {
      h = F.add(h, v.get().forward(F.tanh(q.get().forward(h))));
      return F.add(h, mlp.get().fc.get().forward(h));
    }
  }

  static final class Layers extends Module {
    Layers(Rng rng) {
      for (int i = 0; i < 3; i++) registerModule(String.valueOf(i), new Layer(rng));
    }
  }

  static final class Body extends Module {
    final Child<Layers> layers;

    Body(Rng rng) {
      layers = registerModule("layers", new Layers(rng));
    }
  }

  final Child<Body> model;
  final Child<Linear> head;

  private TinyStack() {
    Rng rng = new Rng(0);
    model = registerModule("model", new Body(rng));
    head = registerModule("head", new Linear(8, 4, true, rng));
  }

  /** The model with the golden base weights (base.safetensors). */
  static TinyStack golden() throws IOException {
    TinyStack m = new TinyStack();
    m.loadStateDict(SafeTensors.readAll(GOLDENS.resolve("base.safetensors")), true);
    return m;
  }

  @Override
  public Variable forward(Variable x) {
    Variable h = x;
    for (Module layer : model.get().layers.get().children().values()) h = layer.forward(h);
    return head.get().forward(h);
  }
}
