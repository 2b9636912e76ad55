package org.jlora.lora.io;

import java.io.IOException;

/**
 * A consumer that may throw {@link IOException}, so file-writing bodies can be passed as lambdas.
 *
 * @param <T> what the body consumes, typically an {@link java.io.OutputStream}
 */
@FunctionalInterface
public interface IoConsumer<T> {
  void accept(T value) throws IOException;
}
