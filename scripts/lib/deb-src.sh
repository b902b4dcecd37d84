# Sourced by scripts/build-busybox.sh and scripts/build-linux.sh: make sure apt knows where
# Debian's source packages are, for `apt-get source`. The caller provides `log` and `$SUDO`.

# Does apt have a deb-src entry (one-line or deb822 format)?
have_deb_src() {
  grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null
}

# Add one for bookworm main: the mirror apt already uses for bookworm's binary packages (whatever
# the format of its configuration), taken from `apt-cache policy`; Debian's own address if none.
add_deb_src() {
  local uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg file=/etc/apt/sources.list.d/bakaex-deb-src.sources
  uri=$(apt-cache policy 2>/dev/null | awk '$3 ~ /^bookworm\/main$/ && $2 ~ /^[a-z]+:\/\// { print $2; exit }')
  uri=${uri:-http://deb.debian.org/debian}
  log "no deb-src entry in apt's sources: adding $file ($uri bookworm main)"
  {
    echo "# Added by BakaEx's scripts (build-busybox.sh, build-linux.sh): source packages for 'apt-get source'."
    echo "Types: deb-src"
    echo "URIs: $uri"
    echo "Suites: bookworm"
    echo "Components: main"
    [ ! -f "$keyring" ] || echo "Signed-By: $keyring"
  } | $SUDO tee "$file" >/dev/null
}
