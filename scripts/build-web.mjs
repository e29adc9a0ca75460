// Builds build/web: the themed USWDS stylesheet (Sass), the USWDS script, only the images and
// fonts the stylesheet refers to, Guichet's templates and translations, and the PDF fonts.
import { compile } from "sass-embedded";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "build", "web"));
const uswds = join(root, "node_modules", "@uswds", "uswds");
const theme = join(out, "static", "theme");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(theme, "css"), { recursive: true });
mkdirSync(join(theme, "js"), { recursive: true });

const css = compile(join(root, "web", "styles", "guichet.scss"), {
  loadPaths: [join(uswds, "packages")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
}).css;
writeFileSync(join(theme, "css", "guichet.css"), css);

let copied = 0;
for (const match of css.matchAll(/url\(["']?\.\.\/((?:img|fonts)\/[^"')?#]+)/g)) {
  const relative = match[1];
  const from = join(uswds, "dist", relative);
  if (!existsSync(from)) continue;
  mkdirSync(dirname(join(theme, relative)), { recursive: true });
  cpSync(from, join(theme, relative));
  copied++;
}
// The PDFs Guichet issues are set in the site's font: the TrueType files pango embeds (not served).
mkdirSync(join(out, "fonts"), { recursive: true });
for (const weight of ["Regular", "Bold", "Italic"]) {
  cpSync(join(uswds, "dist", "fonts", "public-sans", `PublicSans-${weight}.ttf`), join(out, "fonts", `PublicSans-${weight}.ttf`));
}
cpSync(join(uswds, "dist", "js", "uswds.min.js"), join(theme, "js", "uswds.min.js"));
cpSync(join(root, "web", "templates"), join(out, "templates"), { recursive: true });
cpSync(join(root, "web", "i18n"), join(out, "i18n"), { recursive: true });
if (existsSync(join(root, "web", "static"))) cpSync(join(root, "web", "static"), join(out, "static"), { recursive: true });
console.log(`build-web: ${out} (${Math.round(css.length / 1024)} KiB of CSS, ${copied} images and fonts)`);
