/**
 * `npm run bench -- uploads`: upload throughput and gateway memory on their own
 * (bench/uploadThroughput.ts; `npm run bench -- gateway` measures the same beside its query
 * workloads). Prints a markdown table and writes it to bench/results/uploads.md.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { startPlatform } from "@fedplat/tests";
import { measureUploads, UPLOAD_GATEWAY_ENV, uploadTable } from "./uploadThroughput";

async function main(): Promise<void> {
  const platform = await startPlatform({ logLevel: "warn", gatewayEnv: UPLOAD_GATEWAY_ENV });
  try {
    const result = await measureUploads(platform, {
      files: Number(process.env.BENCH_UPLOAD_FILES ?? 100),
      fileMib: Number(process.env.BENCH_UPLOAD_MIB ?? 5),
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
    });
    const table = [
      "# Uploads through the gateway: throughput and gateway memory",
      "",
      ...uploadTable(result),
      `Measured ${new Date().toISOString()} on a ${cpus().length}-core machine shared with other work (Node ${process.version}), TypeScript through tsx.`,
      "",
    ].join("\n");
    process.stdout.write(`${table}\n`);
    writeFileSync(join(__dirname, "results", "uploads.md"), table);
  } finally {
    await platform.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
