# Built by buildah (tests/fixtures.sh) and by boxcar build (t-dockerfile.sh);
# the two images' file trees and configs must agree. BASE: the busybox fixture.
# (No heredocs: Debian's buildah 1.28 predates them.)
ARG BASE
FROM $BASE
COPY a.txt /file-as-named
COPY a.txt /etc/
COPY a.txt b.txt /newdir/
COPY sub /subcontent
COPY sub/ /subcontent2/
COPY *.txt /globbed/
COPY s?b/n* /globbed2/
COPY --chown=1001:1002 a.txt /owned/
COPY --chown=app:app sub /owned-by-name/
COPY --chown=nobody a.txt /owned-nobody
COPY --chmod=0751 a.txt /exec/a
COPY link-to-a /links/
COPY ["b.txt", "/json form/"]
ADD archive.tar.gz /extracted/
ADD a.txt /added
ADD archive.tar.gz /extracted-again/sub/
RUN ln -s /usr /ulink && mkdir -p /made/deep && echo made > /made/deep/y && rm /etc/fixture-release
COPY a.txt /ulink/through-symlink
WORKDIR /work/dir
COPY a.txt .
ENV A=1 B="two words" C=${A:-x}-${NOPE:+y}
LABEL org.example.a="x y" org.example.b=$A
EXPOSE 80 53/udp 8080/tcp
VOLUME /data
VOLUME ["/data2"]
STOPSIGNAL SIGQUIT
USER app
WORKDIR /app-home/sub
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
