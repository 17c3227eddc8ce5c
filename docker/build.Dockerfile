# Reproducible build of the release jar (both natives inside) from a clean checkout.
#
#   podman build -f docker/build.Dockerfile -t bpf4j-build .      (or docker build)
#   podman run --rm -v "$PWD/out:/out" bpf4j-build
#
# It runs exactly what the README's commands run: ./setup.sh prepares the
# machine (Debian packages, pinned sources checked by SHA-256, Maven 3.9),
# then Maven builds. `./setup.sh containers` builds it from a git clone with
# podman on a Debian 12 image made by mmdebstrap (README: Running in containers).
FROM debian:bookworm

WORKDIR /src
COPY . /src
RUN ./setup.sh package

CMD ["sh", "-c", "cp target/bpf4j-*.jar /out/"]
