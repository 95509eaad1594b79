#!/usr/bin/env sh
# exercism test runner entry point (exercism/docs, building/tooling/test-runners/interface.md):
#
#     run.sh EXERCISE_SLUG INPUT_DIR OUTPUT_DIR
#
# grades the solution in INPUT_DIR against the kata whose id is the slug and
# writes OUTPUT_DIR/results.json (version 3).  It exits 0 once results.json is
# written; a failing solution is a result, not a runner failure.
#
# Environment (optional): GRADE, the grade command (default: grade on PATH);
# KATAS_DIR, an extra folder of kata specs.
set -u

if [ "$#" -ne 3 ]; then
    echo "usage: run.sh EXERCISE_SLUG INPUT_DIR OUTPUT_DIR" >&2
    exit 2
fi
slug="$1"
input_dir="${2%/}"
output_dir="${3%/}"
results="$output_dir/results.json"
grade="${GRADE:-grade}"
mkdir -p "$output_dir"

give_up() {
    printf '{"version": 3, "status": "error", "message": "%s", "tests": []}\n' "$1" > "$results"
    exit 0
}

# The solution: <slug with underscores>.py, else the only Python file that is not a test.
file="$input_dir/$(printf '%s' "$slug" | tr '-' '_').py"
if [ ! -f "$file" ]; then
    count="$(find "$input_dir" -maxdepth 1 -type f -name '*.py' ! -name '*_test.py' | wc -l)"
    if [ "$count" -eq 1 ]; then
        file="$(find "$input_dir" -maxdepth 1 -type f -name '*.py' ! -name '*_test.py')"
    else
        give_up "No solution file found: name it $(printf '%s' "$slug" | tr '-' '_').py"
    fi
fi

set -- "$file" --kata "$slug" --format exercism --output "$results"
if [ -n "${KATAS_DIR:-}" ]; then
    set -- "$@" --katas-dir "$KATAS_DIR"
fi
NO_COLOR=1 "$grade" "$@"
status=$?
if [ ! -s "$results" ]; then
    echo "grade exited with status $status and wrote no results" >&2
    give_up "The test runner could not grade this solution."
fi
exit 0
