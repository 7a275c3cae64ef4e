#!/usr/bin/env bash
# Installs cratefeed as a systemd service, or removes it. Safe to run again: it upgrades the binary and the
# unit and never overwrites a configuration or password file that is already there.
#
#   deploy/install.sh                      build a release binary here, install it, the unit and an example
#                                          config, then enable and start the service
#   deploy/install.sh --binary PATH        install a binary built elsewhere instead of building
#   deploy/install.sh --uninstall          stop and disable the service, remove the unit and the binary;
#                                          keeps /etc/cratefeed and the spool in /var/lib/cratefeed
#   deploy/install.sh --uninstall --purge  ... and remove /etc/cratefeed and the spool as well
#
# DESTDIR=/some/dir installs into that tree instead of / and never touches systemctl (packaging, tests).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
destdir=${DESTDIR:-}
binary=""
mode=install
purge=no

while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) mode=uninstall ;;
    --purge) purge=yes ;;
    --binary) binary=${2:?--binary needs a path}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$purge" = yes ] && [ "$mode" != uninstall ]; then
  echo "install.sh: --purge goes with --uninstall" >&2
  exit 2
fi
if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (it writes /usr/local/bin, /etc and calls systemctl)" >&2
  exit 1
fi

bin_path=$destdir/usr/local/bin/cratefeed
config_dir=$destdir/etc/cratefeed
unit_path=$destdir/etc/systemd/system/cratefeed.service

# systemctl only when installing into / on a machine booted with systemd (sd_booted(3) checks the same path).
if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
  systemd_running=yes
else
  systemd_running=no
fi

install_service() {
  if [ -z "$binary" ]; then
    echo "building cratefeed (swift build -c release) in $repo"
    (cd "$repo" && swift build -c release --product cratefeed)
    binary=$(cd "$repo" && swift build -c release --show-bin-path)/cratefeed
  fi
  [ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

  install -d -m 0755 "$destdir/usr/local/bin" "$config_dir" "$destdir/etc/systemd/system"
  # Via a temporary name and rename, so a running cratefeed keeps its (old) file until it restarts.
  install -m 0755 "$binary" "$bin_path.new"
  mv -f "$bin_path.new" "$bin_path"
  echo "installed $bin_path"

  if [ -e "$config_dir/cratefeed.toml" ]; then
    echo "kept $config_dir/cratefeed.toml (already there)"
  else
    install -m 0644 "$repo/deploy/cratefeed.example.toml" "$config_dir/cratefeed.toml"
    echo "installed $config_dir/cratefeed.toml from deploy/cratefeed.example.toml: edit it for your broker and CrateDB"
  fi
  # LoadCredential= fails the start when its file is missing, so both exist; empty until a password is needed.
  for credential in mqtt-password cratedb-password; do
    if [ ! -e "$config_dir/$credential" ]; then
      install -m 0600 /dev/null "$config_dir/$credential"
      echo "created empty $config_dir/$credential (mode 0600): put the password there if the config uses it"
    fi
  done

  install -m 0644 "$repo/deploy/cratefeed.service" "$unit_path"
  echo "installed $unit_path"

  if [ "$systemd_running" = yes ]; then
    systemctl daemon-reload
    if systemctl is-active --quiet cratefeed; then
      systemctl restart cratefeed
      echo "restarted cratefeed with the new binary and unit"
    else
      systemctl enable --now cratefeed
      echo "enabled and started cratefeed: systemctl status cratefeed; journalctl -u cratefeed -f"
    fi
  else
    echo "systemd is not running here (no /run/systemd/system, or DESTDIR is set):" \
      "skipped systemctl daemon-reload and enable --now cratefeed; run them on the machine that runs cratefeed"
  fi
}

uninstall_service() {
  if [ "$systemd_running" = yes ]; then
    systemctl disable --now cratefeed 2>/dev/null || true
  fi
  rm -f "$unit_path" "$bin_path"
  echo "removed $unit_path and $bin_path"
  if [ "$systemd_running" = yes ]; then
    systemctl daemon-reload
    systemctl reset-failed cratefeed 2>/dev/null || true
  fi
  if [ "$purge" = yes ]; then
    # DynamicUser= keeps the state in /var/lib/private/cratefeed behind the /var/lib/cratefeed symlink.
    rm -rf "$config_dir" "$destdir/var/lib/cratefeed" "$destdir/var/lib/private/cratefeed"
    echo "purged $config_dir and the spool in $destdir/var/lib/cratefeed"
  else
    echo "kept $config_dir and the spool in $destdir/var/lib/cratefeed (--purge removes them)"
  fi
}

if [ "$mode" = install ]; then install_service; else uninstall_service; fi
