# The full test suite in a container. BPF needs the host kernel's help, so the
# container must be privileged (or get the capabilities in run-tests.sh) and
# see the host's bpffs and tracefs. Use docker/run-tests.sh.
#
# Not exercised by CI here: no Docker engine runs there; CI runs the same
# ./setup.sh test directly on the machine.
FROM debian:bookworm

WORKDIR /src
COPY . /src
# Everything that needs the network happens at build time; the run is offline.
RUN ./setup.sh deps && ./setup.sh jdks

CMD ["./setup.sh", "test"]
