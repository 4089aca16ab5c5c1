#!/usr/bin/env bash
# Updates the translation catalogues and compiles them.
#
#   tools/i18n.sh            # makemessages (vi, en) + compilemessages
#   tools/i18n.sh --check    # fail if a catalogue is out of date with the source or an English
#                            # string is untranslated or fuzzy (for CI; changes nothing)
#
# UI strings are written in Vietnamese in the source and wrapped for translation; vi is the source
# language (its catalogue may stay empty, or correct wording), en must translate every string.
# The compiled .mo files are committed, so no gettext is needed at run time.
# Needs GNU gettext (Debian: apt-get install gettext) and the project's virtualenv.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DJANGO_SETTINGS_MODULE=tinhso.settings TINHSO_TESTING=1 PYTHONPATH="$repo/src${PYTHONPATH:+:$PYTHONPATH}"
python="${PYTHON:-$repo/.venv/bin/python}"
[ -x "$python" ] || python=python3
locale_dir="$repo/src/tinhso/locale"

makemessages() {
  (cd "$repo/src/tinhso" && "$python" -m django makemessages -l vi -l en --ignore=.venv --ignore='static/*' \
    --no-location --no-obsolete "$@" >/dev/null)
}

if [ "${1:-}" = "--check" ]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  cp -r "$locale_dir" "$tmp/before"
  makemessages
  status=0
  for lang in vi en; do
    po="$locale_dir/$lang/LC_MESSAGES/django.po"
    # Compare the msgids only (the header's creation date changes on every run).
    if ! diff -q <(grep -E '^(msgid|msgid_plural|msgctxt) ' "$tmp/before/$lang/LC_MESSAGES/django.po") \
                 <(grep -E '^(msgid|msgid_plural|msgctxt) ' "$po") >/dev/null; then
      echo "$po is out of date: run tools/i18n.sh" >&2; status=1
    fi
  done
  rm -rf "$locale_dir"; cp -r "$tmp/before" "$locale_dir"
  stats="$(msgfmt --statistics -o /dev/null "$locale_dir/en/LC_MESSAGES/django.po" 2>&1)"
  case "$stats" in *untranslated*|*fuzzy*) echo "en: $stats" >&2; status=1;; esac
  for lang in vi en; do
    po="$locale_dir/$lang/LC_MESSAGES/django.po"; mo="${po%.po}.mo"
    if ! cmp -s <(msgfmt -o - "$po") "$mo"; then echo "$mo is not compiled from $po: run tools/i18n.sh" >&2; status=1; fi
  done
  exit "$status"
fi

makemessages
(cd "$repo/src/tinhso" && "$python" -m django compilemessages --ignore=.venv >/dev/null)
msgfmt --statistics -o /dev/null "$locale_dir/en/LC_MESSAGES/django.po"
