package org.jlora.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Causal multi-head self-attention read straight from the fused qkv projection (GPT-2's layout,
 * the same math as autograd's {@code AttentionOps}), forward and backward, for the device step:
 *
 * <pre>
 *   qkv [B·T, 3C] = [q | k | v], head h in columns [h·D, (h+1)·D) of each, s = 1/sqrt(D)
 *   S_ij = s · q_i·k_j,  P = softmax over j <= i (j > i: weight 0),  y_i = sum_j P_ij v_j
 *   dP_ij = dy_i·v_j,  dS = P ∘ (dP - rowsum(P ∘ dP)),
 *   dq_i = s · sum_j dS_ij k_j,  dk_j = s · sum_i dS_ij q_i,  dv_j = sum_i P_ij dy_i
 * </pre>
 *
 * One work-item per (batch, head, position) row; P and dS are kept as {@code [B·H, T, T]} so the
 * key/value side of backward is a second kernel that owns its outputs (no atomics). Masked
 * entries are stored as 0.
 */
final class AttentionKernels {
  private AttentionKernels() {}

  // qkv: [B·T, 3C] -> y: [B·T, C], probs: [B·H, T, T]
  static void forward(FloatArray qkv, FloatArray y, FloatArray probs, int batch, int seqLen, int heads, int width) {
    for (@Parallel int row = 0; row < batch * heads * seqLen; row++) {
      int hd = width / heads;
      int b = row / (heads * seqLen);
      int h = (row / seqLen) % heads;
      int i = row % seqLen;
      float s = 1f / TornadoMath.sqrt((float) hd);
      int qBase = (b * seqLen + i) * 3 * width + h * hd;
      int pBase = row * seqLen;
      float top = -3.4028235e38f;
      for (int j = 0; j <= i; j++) {
        int kBase = (b * seqLen + j) * 3 * width + width + h * hd;
        float dotQk = 0f;
        for (int e = 0; e < hd; e++) dotQk += qkv.get(qBase + e) * qkv.get(kBase + e);
        float score = dotQk * s;
        probs.set(pBase + j, score);
        if (score > top) top = score;
      }
      float sum = 0f;
      for (int j = 0; j <= i; j++) {
        float w = TornadoMath.exp(probs.get(pBase + j) - top);
        probs.set(pBase + j, w);
        sum += w;
      }
      float inv = 1f / sum;
      for (int j = 0; j < seqLen; j++) probs.set(pBase + j, j <= i ? probs.get(pBase + j) * inv : 0f);
      int yBase = (b * seqLen + i) * width + h * hd;
      for (int e = 0; e < hd; e++) {
        float acc = 0f;
        for (int j = 0; j <= i; j++) {
          acc += probs.get(pBase + j) * qkv.get((b * seqLen + j) * 3 * width + 2 * width + h * hd + e);
        }
        y.set(yBase + e, acc);
      }
    }
  }

  // qkv: [B·T, 3C], probs: [B·H, T, T], dy: [B·T, C] -> dScores: [B·H, T, T], the q columns of dqkv
  static void backwardQuery(FloatArray qkv, FloatArray probs, FloatArray dy, FloatArray dScores, FloatArray dqkv,
                            int batch, int seqLen, int heads, int width) {
    for (@Parallel int row = 0; row < batch * heads * seqLen; row++) {
      int hd = width / heads;
      int b = row / (heads * seqLen);
      int h = (row / seqLen) % heads;
      int i = row % seqLen;
      float s = 1f / TornadoMath.sqrt((float) hd);
      int dyBase = (b * seqLen + i) * width + h * hd;
      int pBase = row * seqLen;
      float rowDot = 0f;
      for (int j = 0; j <= i; j++) {
        int vBase = (b * seqLen + j) * 3 * width + 2 * width + h * hd;
        float dp = 0f;
        for (int e = 0; e < hd; e++) dp += dy.get(dyBase + e) * qkv.get(vBase + e);
        dScores.set(pBase + j, dp);
        rowDot += dp * probs.get(pBase + j);
      }
      for (int j = 0; j < seqLen; j++) {
        dScores.set(pBase + j, j <= i ? probs.get(pBase + j) * (dScores.get(pBase + j) - rowDot) : 0f);
      }
      int qBase = (b * seqLen + i) * 3 * width + h * hd;
      for (int e = 0; e < hd; e++) {
        float acc = 0f;
        for (int j = 0; j <= i; j++) {
          acc += dScores.get(pBase + j) * qkv.get((b * seqLen + j) * 3 * width + width + h * hd + e);
        }
        dqkv.set(qBase + e, acc * s);
      }
    }
  }

  // qkv, probs, dScores, dy -> the k and v columns of dqkv, one work-item per (batch, head, key j)
  static void backwardKeyValue(FloatArray qkv, FloatArray probs, FloatArray dy, FloatArray dScores, FloatArray dqkv,
                               int batch, int seqLen, int heads, int width) {
    for (@Parallel int col = 0; col < batch * heads * seqLen; col++) {
      int hd = width / heads;
      int b = col / (heads * seqLen);
      int h = (col / seqLen) % heads;
      int j = col % seqLen;
      float s = 1f / TornadoMath.sqrt((float) hd);
      int bh = col / seqLen;
      int kBase = (b * seqLen + j) * 3 * width + width + h * hd;
      for (int e = 0; e < hd; e++) {
        float dk = 0f;
        float dv = 0f;
        for (int i = j; i < seqLen; i++) {
          int pij = (bh * seqLen + i) * seqLen + j;
          dk += dScores.get(pij) * qkv.get((b * seqLen + i) * 3 * width + h * hd + e);
          dv += probs.get(pij) * dy.get((b * seqLen + i) * width + h * hd + e);
        }
        dqkv.set(kBase + e, dk * s);
        dqkv.set(kBase + width + e, dv);
      }
    }
  }
}
