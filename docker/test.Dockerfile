# The full test suite in a container, against the host kernel. BPF needs the
# kernel's help: run it with the capabilities README's "Running in containers"
# lists (docker/run-tests.sh --minimal, or ./setup.sh containers), the host's
# /sys/kernel/tracing mounted, and docker/seccomp-bpf.json where the engine's
# default profile allows bpf(2) only with CAP_SYS_ADMIN.
#
# Everything that needs the network happens at build time, so the test run
# works with --network none: the first two steps are build.Dockerfile's (an
# engine with a layer cache reuses them), the third fetches the test JDKs and
# resolves every Maven plugin and provider `./setup.sh test` runs.
FROM debian:bookworm

WORKDIR /src
COPY . /src
RUN ./setup.sh package
RUN ./setup.sh prefetch

CMD ["./setup.sh", "test", "-o"]
