# Reproducible build of the release jar (both natives inside) from a clean checkout.
#
#   docker build -f docker/build.Dockerfile -t bpf4j-build .
#   docker run --rm -v "$PWD/out:/out" bpf4j-build
#
# It runs exactly what the README's commands run: ./setup.sh prepares the
# machine (Debian packages, pinned sources checked by SHA-256, Maven 3.9),
# then Maven builds. Not exercised by CI here: no Docker engine runs there.
FROM debian:bookworm

WORKDIR /src
COPY . /src
RUN ./setup.sh package

CMD ["sh", "-c", "cp target/bpf4j-*.jar /out/"]
