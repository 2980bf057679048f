/**
 * Upload throughput through the gateway (issue 23): an admin uploads FILES product images of
 * FILE_MIB MiB each (CONCURRENCY at a time, one file per request) to the platform's real processes;
 * the gateway streams each to catalog (transport/multipartFetch.ts). Reports MB/s and the gateway's
 * RSS (VmRSS, sampled every 100 ms): at rest, the highest over the first tenth of the files and
 * over all of them. The gateway never holds a whole file, so its RSS must stay flat: the highest
 * over all files close to the highest over the first tenth, whatever the number of files.
 * Prints a markdown table and writes it to bench/results/uploads.md.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { RunningService } from "@fedplat/devkit";
import { startPlatform } from "@fedplat/tests";

const FILES = Number(process.env.BENCH_UPLOAD_FILES ?? 100);
const FILE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const MIB = 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const UPLOAD = /* GraphQL */ `
  mutation UploadProductImage($productId: ID!, $image: Upload!) {
    uploadProductImage(productId: $productId, image: $image) { id imageUrl }
  }
`;

/** Resident set size in bytes, from the kernel (VmRSS), so nothing runs inside the measured process. */
function rssOf(service: RunningService): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${service.child.pid}/status`, "utf8"))?.[1];
  if (!kib) throw new Error(`no VmRSS for ${service.spec.name}`);
  return Number(kib) * 1024;
}

async function main(): Promise<void> {
  // A fetch carrying a file lasts as long as the client's upload: catalog gets the time a slow (shared) machine needs.
  const platform = await startPlatform({ logLevel: "warn", gatewayEnv: { SUBGRAPH_CATALOG_TIMEOUT_MS: "60000" } });
  try {
    const gateway = platform.services.gateway;
    if (!gateway) throw new Error("no gateway process");
    const admin = await platform.login("admin@example.com");
    const products = await platform.query<{ products: { edges: Array<{ node: { id: string } }> } }>(
      /* GraphQL */ "query { products(first: 1) { edges { node { id } } } }",
    );
    const productId = products.data?.products.edges[0]?.node.id;
    if (!productId) throw new Error("no product to upload an image for");
    // A PNG signature, then random bytes: catalog checks the type by the first bytes only.
    const file = new Blob([new Uint8Array(PNG_SIGNATURE), new Uint8Array(randomBytes(FILE_MIB * MIB - 8))], {
      type: "image/png",
    });

    const send = async () => {
      const form = new FormData();
      form.append("operations", JSON.stringify({ query: UPLOAD, variables: { productId, image: null } }));
      form.append("map", JSON.stringify({ 0: ["variables.image"] }));
      form.append("0", file, "bench.png");
      const res = await fetch(platform.gatewayUrl, {
        method: "POST",
        body: form,
        headers: { ...admin, "apollo-require-preflight": "true" },
      });
      const body = (await res.json()) as { errors?: unknown };
      if (!res.ok || body.errors) throw new Error(`upload: ${res.status} ${JSON.stringify(body.errors)}`);
    };

    const atRest = rssOf(gateway);
    let peak = atRest;
    let earlyPeak = atRest;
    let done = 0;
    const early = Math.max(1, Math.floor(FILES / 10));
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(gateway));
      if (done < early) earlyPeak = peak;
    }, 100);
    let next = 0;
    const started = performance.now();
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < FILES) {
            next++;
            await send();
            done++;
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const megabytes = (FILES * FILE_MIB * MIB) / 1e6;
    const mib = (bytes: number) => (bytes / MIB).toFixed(0);
    const table = [
      "# Uploads through the gateway: throughput and gateway memory",
      "",
      "| files | file size | concurrency | MB/s | gateway RSS at rest MiB | highest RSS, first tenth of the files MiB | highest RSS, all files MiB |",
      "|---|---|---|---|---|---|---|",
      `| ${FILES} | ${FILE_MIB} MiB | ${CONCURRENCY} | ${(megabytes / seconds).toFixed(1)} | ${mib(atRest)} | ${mib(earlyPeak)} | ${mib(peak)} |`,
      "",
      `${FILES} uploadProductImage requests of one ${FILE_MIB} MiB file each (${megabytes.toFixed(0)} MB in ${seconds.toFixed(1)} s), as an admin, through the`,
      "gateway to catalog, which stores each image in PostgreSQL: MB/s is the whole path (client, gateway, catalog, database).",
      "Gateway RSS: VmRSS sampled every 100 ms. Flat means the highest over all files stays near the highest over the first tenth.",
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
