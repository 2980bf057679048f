export {
  createSupergraphSource,
  type SupergraphSource,
  type SupergraphState,
  type SupergraphUpdates,
  supergraphHash,
} from "./supergraphSource";
