#!/usr/bin/env bash
# Writes the fuzzing seeds into workers/fuzz/corpus/{pruefen,lesen,bild}/:
# the hostile corpus (plankammer_workers::pdf::muster::feindlich::korpus()), a few small
# hand-made PDFs (PDF/A claim, scans with each filter, fonts, page boxes), header-shaped
# inputs for the `bild` target, and the sample plan set.
# Runs from anywhere; uses the main workspace's normal (non-fuzz) build for the generator.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$fuzz_dir/../.." && pwd)"
corpus="$fuzz_dir/corpus"
mkdir -p "$corpus/pruefen" "$corpus/lesen" "$corpus/bild"
(cd "$repo" && FUZZ_SAAT="$corpus" cargo test -p plankammer-workers --test fuzz_funde \
    -- --ignored --exact schreibe_fuzz_saat --quiet)
for f in "$repo"/sample-plans/einfamilienhaus/*.pdf; do
    for t in pruefen lesen bild; do
        cp "$f" "$corpus/$t/sample_$(basename "$f")"
    done
done
# Earlier findings are seeds too.
if compgen -G "$repo/workers/tests/fuzz-funde/*.pdf" > /dev/null; then
    for f in "$repo"/workers/tests/fuzz-funde/*.pdf; do
        cp "$f" "$corpus/pruefen/fund_$(basename "$f")"
    done
fi
for t in pruefen lesen bild; do
    echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
