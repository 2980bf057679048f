import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, environment, findConfigFile, loadConfig, maskSecrets, readConfigFile } from "@fedplat/runtime";
import { stringify } from "yaml";
import { configurationDoc, envExample } from "./configDocs";
import { allSections, PROCESS_SECTIONS } from "./processSections";

const USAGE = `Usage: npm run config -- <command>

  --print [--process <name>]  the effective configuration (file + environment), secrets masked
  --check                     validate fedplat.config.yaml and the environment for every process
  --write-docs                regenerate docs/configuration.md and .env.example
  --check-docs                exit 1 when docs/configuration.md or .env.example is out of date

Processes: ${Object.keys(PROCESS_SECTIONS).join(", ")}`;

const root = join(__dirname, "../../..");
const generated = () => ({
  [join(root, "docs/configuration.md")]: configurationDoc(allSections(), PROCESS_SECTIONS, root),
  [join(root, ".env.example")]: envExample(allSections(), root),
});

/** Puts a section's values at its dot path, beside the sections nested under it. */
function placeAt(tree: Record<string, unknown>, path: string, values: Record<string, unknown>): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1) ?? path;
  node[last] = { ...values, ...(node[last] as Record<string, unknown> | undefined) };
}

function main(): number {
  const { values } = parseArgs({
    options: {
      print: { type: "boolean" },
      process: { type: "string" },
      check: { type: "boolean" },
      "write-docs": { type: "boolean" },
      "check-docs": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = environment();
  const file = readConfigFile(findConfigFile(env));
  if (values.print || values.check) {
    const names = values.process ? [values.process] : Object.keys(PROCESS_SECTIONS);
    const unknownProcess = names.find((name) => !PROCESS_SECTIONS[name]);
    if (unknownProcess)
      throw new ConfigError(`unknown process "${unknownProcess}" (${Object.keys(PROCESS_SECTIONS).join(", ")})`);
    const known = new Set(allSections().map((section) => section.path.split(".")[0]));
    const stray = Object.keys(file.values).filter((key) => !known.has(key));
    if (stray.length)
      throw new ConfigError(
        `Invalid configuration:\n${stray.map((key) => `  ${key}: unknown section (in ${file.path})`).join("\n")}`,
      );
    const printed: Record<string, unknown> = {};
    for (const name of names) {
      const sections = PROCESS_SECTIONS[name] ?? {};
      const config = loadConfig(sections, { env, file });
      const tree: Record<string, unknown> = {};
      for (const [key, section] of Object.entries(sections))
        placeAt(tree, section.path, maskSecrets(section, config[key] as Record<string, unknown>));
      printed[name] = tree;
    }
    if (values.print) console.log(stringify(printed));
    else
      console.log(
        `configuration valid for ${names.join(", ")}${file.path ? ` (${file.path} + environment)` : " (environment only)"}`,
      );
    return 0;
  }
  if (values["write-docs"]) {
    for (const [path, text] of Object.entries(generated())) writeFileSync(path, text);
    return 0;
  }
  if (values["check-docs"]) {
    const stale = Object.entries(generated()).filter(([path, text]) => {
      try {
        return readFileSync(path, "utf8") !== text;
      } catch {
        return true;
      }
    });
    for (const [path] of stale) console.error(`${path} is out of date: run npm run config -- --write-docs`);
    return stale.length ? 1 : 0;
  }
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = main();
} catch (error) {
  // Invalid configuration: 1, the message alone; a bad command line: 2, with the usage.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exitCode = 1;
  } else if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else throw error;
}
