import { DateTimeResolver } from "graphql-scalars";

/** The custom scalars every subgraph declares. */
export const scalarResolvers = { DateTime: DateTimeResolver };
