#!/usr/bin/env bash
# Oracle for the Rust classification of `cargo xtask diff`: for a set of the change cases of
# xtask/tests/diff.rs (in xtask/tests/diff/cases.yaml), generate the old and the new crates and
# ask cargo-semver-checks whether the new ones break the old API, then compare with our verdict.
# Not part of the default test run: it compiles rustdoc for every case (about 20 minutes on 2
# cores; cargo-semver-checks itself takes about 15 more to build the first time, into
# target/tools).
#
#   scripts/semver-oracle.sh                 # the default set of cases
#   scripts/semver-oracle.sh case_a case_b   # chosen cases (names from xtask/tests/diff/cases.yaml)
#
# Prints a Markdown table (case, our wire/Rust verdict, cargo-semver-checks' verdict per crate,
# agreement) and writes it to target/semver-oracle/agreement.md. Exit status 0 even when
# verdicts disagree: every disagreement is explained in TESTING.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${ORACLE_DIR:-$root/target/semver-oracle}
tools=$root/target/tools
mkdir -p "$work"

if ! [ -x "$tools/bin/cargo-semver-checks" ]; then
  echo "installing cargo-semver-checks into $tools (slow the first time)" >&2
  nice cargo install cargo-semver-checks --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"

default_cases=(
  operation_added operation_removed operation_renamed operation_deprecated path_changed
  method_changed optional_param_added first_optional_param_added required_param_added
  first_optional_body_added optional_param_removed param_becomes_required param_type_widened
  param_location body_becomes_optional body_type_renamed_same_json response_type_changed pagination_removed
  pagination_added pagination_changed required_request_field_added optional_request_field_added
  optional_response_field_added required_response_field_added required_nullable_request_field_added
  optional_nullable_response_field_added request_field_removed optional_body_added_beside_params
  additional_properties_added response_field_removed response_field_becomes_optional
  optional_response_field_becomes_nullable field_type_changed field_docs enum_value_added
  enum_value_removed untagged_variant_added tagged_variant_added discriminator_values_changed
  unused_type_added base_url_changed auth_replaced base_url_variable_changed
)
# The async client is checked too where the client's own surface is at stake (it re-exports the
# models, so a models break is a client break anyway); elsewhere only the models crate is, which
# holds every type and every operation struct (`new` takes the required arguments).
client_cases=" operation_added operation_removed operation_renamed operation_deprecated
  required_param_added first_optional_param_added first_optional_body_added pagination_removed
  base_url_changed auth_replaced base_url_variable_changed "
client_cases=" $(echo $client_cases) "
if [ $# -gt 0 ]; then cases=("$@"); else cases=("${default_cases[@]}"); fi

# The cases' specs and our verdicts, from the test table itself.
rm -rf "$work/cases"
(cd "$root" && APIGEN_DIFF_CASES_DIR="$work/cases" cargo test -q -p xtask --test diff \
  write_cases_for_the_oracle >/dev/null)
(cd "$root" && cargo build -q -p xtask)
xtask="$root/target/debug/xtask"

# One target directory for every generated workspace, so dependencies build once.
export CARGO_TARGET_DIR="$work/target"

# cargo-semver-checks' verdict for one crate: breaking / minor / none / error.
oracle() {
  local old=$1 new=$2 log=$3
  # `-p`: the generated crates say `publish = false`, which the tool skips
  # unless the package is named.
  if cargo semver-checks check-release --baseline-root "$old" \
    --manifest-path "$new/Cargo.toml" -p "$(basename "$new")" >"$log" 2>&1; then
    if grep -Eq '[1-9][0-9]* minor' "$log"; then echo minor; else echo none; fi
  elif grep -Eq '[1-9][0-9]* major' "$log"; then
    echo breaking
  elif grep -Eq '[1-9][0-9]* minor' "$log"; then
    echo minor
  else
    echo error
  fi
}

# Does our Rust level agree with the oracle's? Ours: breaking / additive / docs-only / none /
# no-change; the oracle only tells breaking from not breaking (its "minor" lints, such as a new
# `#[deprecated]`, are compatible).
agrees() {
  local ours=$1 theirs=$2
  case "$ours:$theirs" in
    breaking:breaking) echo yes ;;
    breaking:*) echo no ;;
    *:breaking) echo no ;;
    *:error) echo "?" ;;
    *) echo yes ;;
  esac
}

table="$work/agreement.md"
{
  echo "| Case | Wire (ours) | Rust models (ours) | models (semver-checks) | Rust clients (ours) | client (semver-checks) | Agree |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
} >"$table"
agree=0
total=0
for case in "${cases[@]}"; do
  dir="$work/cases/$case"
  if ! [ -f "$dir/verdict" ]; then
    echo "unknown case: $case" >&2
    exit 2
  fi
  read -r wire models clients <"$dir/verdict"
  gen="$work/gen/$case"
  rm -rf "$gen"
  "$xtask" generate --quiet --spec "$dir/old.yaml" --out "$gen/old" >/dev/null
  "$xtask" generate --quiet --spec "$dir/new.yaml" --out "$gen/new" >/dev/null
  m=$(oracle "$gen/old/demo-models" "$gen/new/demo-models" "$gen/models.log")
  am=$(agrees "$models" "$m")
  if [[ "$client_cases" == *" $case "* ]]; then
    c=$(oracle "$gen/old/demo-client" "$gen/new/demo-client" "$gen/client.log")
    ac=$(agrees "$clients" "$c")
  else
    c="(not run)"
    ac=yes
  fi
  verdict=yes
  if [ "$am" = no ] || [ "$ac" = no ]; then verdict=no; elif [ "$am" = "?" ] || [ "$ac" = "?" ]; then verdict="?"; fi
  total=$((total + 1))
  if [ "$verdict" = yes ]; then agree=$((agree + 1)); fi
  row="| \`$case\` | $wire | $models | $m | $clients | $c | $verdict |"
  echo "$row" >>"$table"
  echo "$row"
done
echo >>"$table"
echo "Agreement: $agree of $total cases." >>"$table"
echo "Agreement: $agree of $total cases (table in $table)."
