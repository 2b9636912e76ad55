package org.jlora.spark;

import java.io.Serializable;

/** One tenant's line of a per-tenant job's summary table. */
public record TenantSummary(String tenant, int examples, int steps, float finalLoss, String adapterDir)
    implements Serializable {}
