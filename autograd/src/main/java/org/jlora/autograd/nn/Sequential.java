package org.jlora.autograd.nn;

import java.util.ArrayList;
import java.util.List;
import org.jlora.autograd.Variable;

/** Modules applied in order; children are named "0", "1", ... and any module may replace any slot. */
public class Sequential extends Module {
  private final List<Child<Module>> layers = new ArrayList<>();

  public Sequential(Module... modules) {
    for (Module m : modules) {
      layers.add(registerModule(Integer.toString(layers.size()), Module.class, m));
    }
  }

  public int size() {
    return layers.size();
  }

  public Module get(int i) {
    return layers.get(i).get();
  }

  @Override
  public Variable forward(Variable x) {
    Variable h = x;
    for (Child<Module> layer : layers) h = layer.get().forward(h);
    return h;
  }
}
