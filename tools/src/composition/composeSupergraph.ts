import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { composeServices } from "@apollo/composition";
import { withLiveDirective } from "@fedplat/events";
import { parse } from "graphql";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** supergraph.yaml in rover's format (only file-based schemas: SDL lives beside each subgraph). */
const supergraphConfigSchema = z.object({
  federation_version: z
    .union([z.string(), z.number()])
    .refine((v) => /^=?2(\.|$)/.test(String(v)), "only Federation 2 is supported"),
  subgraphs: z.record(
    z.string().regex(/^[a-z][a-z0-9_-]*$/i, "subgraph names are letters, digits, - and _"),
    z.object({ routing_url: z.url(), schema: z.object({ file: z.string().min(1) }) }),
  ),
});

export type SupergraphConfig = z.infer<typeof supergraphConfigSchema>;

export class CompositionError extends Error {
  override name = "CompositionError";
}

export function readSupergraphConfig(configPath: string): SupergraphConfig {
  const parsed = supergraphConfigSchema.safeParse(parseYaml(readFileSync(configPath, "utf8")));
  if (!parsed.success) {
    throw new CompositionError(
      `${configPath} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

export interface CompositionResult {
  supergraphSdl: string;
  /** Composition hints: not errors, but worth reading (e.g. inconsistent descriptions). */
  hints: string[];
}

/**
 * Composes the subgraphs listed in `configPath` with @apollo/composition (what `rover supergraph
 * compose` runs; rover's own plugin cannot be downloaded here). Errors name the subgraph.
 */
export function composeSupergraph(configPath: string): CompositionResult {
  const config = readSupergraphConfig(configPath);
  const base = dirname(configPath);
  const subgraphs = Object.entries(config.subgraphs).map(([name, subgraph]) => {
    try {
      return {
        name,
        url: subgraph.routing_url,
        file: subgraph.schema.file,
        sdl: readFileSync(resolve(base, subgraph.schema.file), "utf8"),
      };
    } catch {
      throw new CompositionError(`[${name}] cannot read schema file ${subgraph.schema.file}`);
    }
  });
  return composeSubgraphs(subgraphs);
}

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
  /** Where the SDL came from, for error messages. @default the name */
  file?: string;
}

/** Composes subgraphs given as SDL text (composeSupergraph reads them from supergraph.yaml; tests compose their own). */
export function composeSubgraphs(subgraphs: readonly SubgraphSdl[]): CompositionResult {
  const services = subgraphs.map(({ name, url, sdl, file }) => {
    try {
      // The subgraph servers add the shared @live definition the same way (buildSubgraphServer).
      return { name, url, typeDefs: withLiveDirective(parse(sdl)) };
    } catch (error) {
      throw new CompositionError(
        `[${name}] ${file ?? name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  const result = composeServices(services);
  const hints = (result.hints ?? []).map((hint) => `${hint.definition.code}: ${hint.message}`);
  if (result.errors) {
    const lines = result.errors.map((error) => {
      const code = typeof error.extensions.code === "string" ? `${error.extensions.code}: ` : "";
      return `  - ${code}${error.message}`;
    });
    throw new CompositionError(
      `Composition failed with ${result.errors.length} error(s):\n${lines.join("\n")}${hints.length ? `\nHints:\n  - ${hints.join("\n  - ")}` : ""}`,
    );
  }
  return { supergraphSdl: result.supergraphSdl, hints };
}
