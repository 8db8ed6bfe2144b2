#!/usr/bin/env bash
# Check our exports with the real tools that read them, each in its own venv (they pull
# opencv-python, an older opencv-python-headless, PyQt5 or torchvision, which must not go
# into the app's .venv).
# Usage: bash bench/consumers/run.sh
#          [trackeval|motmetrics|ultralytics|datumaro|labelme|isat|label-studio|davis]...
# (label-studio runs the other way: Label Studio's encoder writes, our importer reads.)
# Venvs live under $CONSUMERS_VENVS (default /tmp/annotator-consumers) and are reused; the
# exports are made with $ANNOTATOR_PYTHON (default: the repository's .venv).
# davis needs DAVIS2017_EVALUATION=<a checkout of davisvideochallenge/davis2017-evaluation>
# (not on PyPI); without it that check is skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venvs="${CONSUMERS_VENVS:-/tmp/annotator-consumers}"
checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=(trackeval motmetrics ultralytics datumaro labelme isat label-studio davis)

venv_for() {  # name, pip arguments...
  local name="$1"; shift
  if [ ! -f "$venvs/$name/.installed" ]; then  # a half-made venv (pip stopped) is redone
    rm -rf "$venvs/$name"
    python3 -m venv "$venvs/$name"
    "$venvs/$name/bin/pip" install -q "$@" >&2
    touch "$venvs/$name/.installed"
  fi
  echo "$venvs/$name/bin/python"
}

exports="$(mktemp -d)"
trap 'rm -rf "$exports"' EXIT
export ANNOTATOR_PYTHON="${ANNOTATOR_PYTHON:-$repo/.venv/bin/python}"
"$ANNOTATOR_PYTHON" "$here/make_exports.py" "$exports"
status=0
for check in "${checks[@]}"; do
  case "$check" in
    trackeval) py="$(venv_for trackeval trackeval==1.3.0)" ;;
    # motmetrics 1.4.0 calls np.asfarray, gone in NumPy 2
    motmetrics) py="$(venv_for motmetrics motmetrics==1.4.0 'numpy<2')" ;;
    # torchvision beside torch 2.14.1 from the local wheel files (see README, Export)
    ultralytics) py="$(venv_for ultralytics torch==2.14.1 torchvision==0.29.1 ultralytics==8.4.190)" ;;
    datumaro) py="$(venv_for datumaro datumaro==1.13.12)" ;;
    labelme) py="$(venv_for labelme labelme==6.3.1)"; export QT_QPA_PLATFORM=offscreen ;;
    # ISAT's readers without its GUI and models: its file formats need only these
    isat)
      py="$(venv_for isat imgviz==2.1.0 tqdm pyyaml pycocotools==2.0.11 opencv-python-headless)"
      "$(dirname "$py")/pip" install -q --no-deps isat-sam==1.5.2 >&2 ;;
    label-studio) py="$(venv_for label-studio label-studio-converter==0.0.59)" ;;
    davis)
      if [ -z "${DAVIS2017_EVALUATION:-}" ]; then
        echo "davis: skipped (set DAVIS2017_EVALUATION to a davis2017-evaluation checkout)"
        continue
      fi
      py="$(venv_for davis numpy pillow opencv-python-headless scipy pandas tqdm scikit-image)" ;;
    *) echo "unknown check $check" >&2; exit 2 ;;
  esac
  (cd "$exports" && "$py" "$here/check_${check//-/_}.py" "$exports") || status=1
done
exit $status
