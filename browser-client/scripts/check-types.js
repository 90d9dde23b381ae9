// Regenerates the .d.ts files from the JSDoc into a temporary folder and fails when they differ from the committed
// types/ (run `npm run types` after changing a signature, and commit the result).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const fresh = mkdtempSync(join(tmpdir(), 'silent-refresh-types-'))
try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit', 'false', '--declaration',
    '--emitDeclarationOnly', '--outDir', fresh], { stdio: 'inherit' })
  const names = (dir) => readdirSync(dir).filter((f) => f.endsWith('.d.ts')).sort()
  const expected = names(fresh)
  const actual = names('types')
  const stale = expected.filter((f) => !actual.includes(f) || readFileSync(join(fresh, f), 'utf8') !== readFileSync(join('types', f), 'utf8'))
  const extra = actual.filter((f) => !expected.includes(f))
  if (stale.length > 0 || extra.length > 0) {
    console.error(`types/ is out of date (${[...stale, ...extra].join(', ')}): run npm run types and commit types/`)
    process.exit(1)
  }
  console.log(`types/ matches the JSDoc (${expected.length} declaration files)`)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}
