// npm writes every package's `funding` address into package-lock.json; the repository names no URL in a
// lock file (a contract test checks), so they are dropped after each `npm install` (`make web-lock`).
// `npm ci` never reads them: installing from the lock is unchanged.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
for (const entry of Object.values(lock.packages ?? {})) delete entry.funding;
const text = JSON.stringify(lock, null, 2) + "\n";
if (text.includes("://")) throw new Error("package-lock.json still names an address");
writeFileSync(path, text);
