# Shared by scripts/serve and scripts/test: a project-local virtualenv, installed from
# pyproject.toml and re-installed only when pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ensure_venv() {  # $1: the extras to install, e.g. "" or "[dev]"
  local extras="${1:-}" python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed$extras" want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing evaluation-ledger$extras into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras" \
         >.venv/install.log 2>&1; then
      cat .venv/install.log >&2
      echo "Installing failed (log above, kept in .venv/install.log)" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
}
