package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** A kernel the OpenCL compiler rejects must fail loudly, not quietly run as sequential Java. */
class TornadoBailoutTest {

  // A parameter named like OpenCL's log() shadows it in the generated source: the build fails.
  static void shadowsBuiltin(FloatArray x, FloatArray out, int log) {
    for (@Parallel int i = 0; i < out.getSize(); i++) {
      out.set(i, TornadoMath.log(x.get(i)) + log);
    }
  }

  @Test
  void bailoutIsAnError() {
    TornadoRuntime.backend();   // sets tornado.recover.bailout=False before the runtime starts
    FloatArray x = new FloatArray(8);
    FloatArray out = new FloatArray(8);
    x.init(2f);
    TaskGraph g = new TaskGraph("bailoutProbe")
        .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
        .task("t", TornadoBailoutTest::shadowsBuiltin, x, out, 1)
        .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
    DeviceGraph graph = new DeviceGraph("bailoutProbe", g, null);
    IllegalStateException e = assertThrows(IllegalStateException.class, graph::run);
    assertTrue(e.getMessage().contains("bailed out"), e.getMessage());
    assertTrue(e.getMessage().contains("bailoutProbe"), e.getMessage());
  }
}
