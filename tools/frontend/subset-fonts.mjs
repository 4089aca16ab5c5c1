// Subsets Be Vietnam Pro (SIL OFL 1.1) to one WOFF2 file per weight that holds Latin *and*
// Vietnamese together. Google-Fonts-style unicode-range subsets split the base letter and the
// combining tone marks into different files, which breaks mark stacking for decomposed (NFD)
// Vietnamese text, e.g. typed with a "Unicode tổ hợp" keyboard. One file per weight avoids that.
//
// Usage: node subset-fonts.mjs <node_modules dir> <output dir>
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import subsetFont from "subset-font";

const [modules, outDir] = process.argv.slice(2);
const family = path.join(modules, "@expo-google-fonts/be-vietnam-pro");

// Code point ranges kept (inclusive).
const ranges = [
  [0x0020, 0x007e], // Basic Latin
  [0x00a0, 0x00ff], // Latin-1 Supplement (non-breaking space, ©, «», ×, é…)
  [0x0100, 0x017f], // Latin Extended-A (ă, đ, ĩ, ũ and neighbours' names)
  [0x01a0, 0x01a1], // Ơ ơ
  [0x01af, 0x01b0], // Ư ư
  [0x0300, 0x0303], // combining grave, acute, circumflex, tilde
  [0x0306, 0x0306], // combining breve
  [0x0309, 0x0309], // combining hook above
  [0x031b, 0x031b], // combining horn
  [0x0323, 0x0323], // combining dot below
  [0x1ea0, 0x1ef9], // Latin Extended Additional: the precomposed Vietnamese letters
  [0x2010, 0x2027], // dashes, quotes, bullet, ellipsis
  [0x2030, 0x2030], // ‰
  [0x2039, 0x203a], // ‹ ›
  [0x20ab, 0x20ac], // ₫ €
  [0x2116, 0x2116], // №
  [0x2122, 0x2122], // ™
  [0x2190, 0x2193], // arrows
  [0x2212, 0x2212], // minus sign
];
let text = "";
for (const [from, to] of ranges) {
  for (let cp = from; cp <= to; cp += 1) text += String.fromCodePoint(cp);
}

for (const [weight, file] of [
  [400, "400Regular/BeVietnamPro_400Regular.ttf"],
  [700, "700Bold/BeVietnamPro_700Bold.ttf"],
]) {
  const source = await readFile(path.join(family, file));
  const woff2 = await subsetFont(source, text, { targetFormat: "woff2" });
  const target = path.join(outDir, `be-vietnam-pro-${weight}.woff2`);
  await writeFile(target, woff2);
  console.log(`${target}: ${woff2.length} bytes`);
}
