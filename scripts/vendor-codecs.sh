#!/usr/bin/env bash
# Re-create third_party/opus, soxr and speexdsp from their release tarballs, checked by
# sha256, pruned of what the library build does not read (see third_party/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${VONA_DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main
OPUS_TGZ=opus_1.5.2.orig.tar.gz
OPUS_SHA=65c1d2f78b9f2fb20082c38cbe47c951ad5839345876e46941612ee87f9a7ce1
SPX_TGZ=speexdsp_1.2.1.orig.tar.gz
SPX_SHA=8c777343e4a6399569c72abc38a95b24db56882c83dbdb6c6424a5f4aeb54d3d
SOXR_TXZ=libsoxr_0.1.3.orig.tar.xz
SOXR_SHA=b111c15fdc8c029989330ff559184198c161100a59312f5dc19ddeb9b5a15889

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() {  # url file sha256
    curl -fsSL -o "$work/$2" "$1"
    echo "$3  $work/$2" | sha256sum -c --quiet - || { echo "vendor-codecs: $2: sha256 mismatch" >&2; exit 1; }
}
fetch "$ARCHIVE/o/opus/$OPUS_TGZ" "$OPUS_TGZ" "$OPUS_SHA"
fetch "$ARCHIVE/libs/libsoxr/$SOXR_TXZ" "$SOXR_TXZ" "$SOXR_SHA"
fetch "$ARCHIVE/s/speexdsp/$SPX_TGZ" "$SPX_TGZ" "$SPX_SHA"
tar -C "$work" -xzf "$work/$SPX_TGZ"
tar -C "$work" -xzf "$work/$OPUS_TGZ"
tar -C "$work" -xJf "$work/$SOXR_TXZ"

rm -rf third_party/opus third_party/soxr third_party/speexdsp
mkdir -p third_party/opus third_party/soxr third_party/speexdsp/libspeexdsp third_party/speexdsp/include/speex
src="$work/opus-1.5.2"
cp -r "$src"/{CMakeLists.txt,cmake,celt,silk,src,include,dnn,COPYING,AUTHORS,README,NEWS,ChangeLog} third_party/opus/
cp "$src"/{package_version,opus.pc.in,opus-uninstalled.pc.in,configure.ac,Makefile.am} "$src"/*.mk third_party/opus/
# the DNN weight tables (tens of MB) serve DRED/OSCE/deep PLC, which the build turns off
find third_party/opus/dnn -name '*.c' -delete
rm -rf third_party/opus/dnn/torch third_party/opus/dnn/training_tf2 third_party/opus/dnn/doc
find third_party/opus/dnn -name '*.py' -delete
src="$work/soxr-0.1.3-Source"
cp -r "$src"/{CMakeLists.txt,cmake,src,soxr-config.h.in,LICENCE,COPYING.LGPL,AUTHORS,README,deinstall.cmake.in} third_party/soxr/
src="$work/speexdsp-1.2.1"
cp "$src"/{COPYING,AUTHORS,README} third_party/speexdsp/
cp "$src"/include/speex/*.h third_party/speexdsp/include/speex/
for f in "$src"/libspeexdsp/*.[ch]; do
    case "$(basename "$f")" in test*) ;; *) cp "$f" third_party/speexdsp/libspeexdsp/ ;; esac
done
echo "vendor-codecs: third_party/opus (1.5.2), soxr (0.1.3) and speexdsp (1.2.1) re-created"
