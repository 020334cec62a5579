# A C program built in a gcc stage (apt-get install: the network), shipped in
# a FROM scratch stage. BASE: the Debian fixture (mmdebstrap + buildah).
ARG BASE
FROM $BASE AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
WORKDIR /src
COPY hello.c .
RUN gcc -static -O2 -o /hello hello.c

FROM scratch
COPY --from=build /hello /hello
ENTRYPOINT ["/hello"]
