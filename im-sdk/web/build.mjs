// Builds the demo into dist/: one ES module bundle (the SDK compiled from
// its TypeScript source) plus the static files. The Go package webdemo
// embeds webdemo/dist/.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "webdemo", "dist");
for (const f of readdirSync(dist, { withFileTypes: true })) {
  if (f.name !== ".gitkeep") rmSync(join(dist, f.name), { recursive: true, force: true });
}
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  conditions: ["source"],
  minify: true,
  sourcemap: true,
  outfile: join(dist, "app.js"),
  logLevel: "warning",
});
cpSync(join(here, "static"), dist, { recursive: true });
console.log("web demo built in", dist);
