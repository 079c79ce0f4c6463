# secretstore in a FROM scratch image: the static binary and nothing else,
# so building it pulls nothing from a registry. Build the binary first, into
# a folder that is the build context:
#
#   mkdir -p dist/data
#   CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o dist/secretstore ./cmd/secretstore
#   docker build -t secretstore -f Dockerfile dist
#
#   docker run -d -p 4566:4566 -v secretstore-data:/data \
#       -e SECRETSTORE_MASTER_KEY="$(openssl rand -base64 32)" secretstore
#
# (Keep that key: the data is unreadable without it. Without one, the
# first start writes /data/master.key beside the data, and says so.)
# The server runs as user 65532 (no name: there is no /etc/passwd), listens
# on 0.0.0.0:4566 (SECRETSTORE_ADDR) and keeps the store in the /data
# volume; every serve flag can be given as an argument after the image name
# (docker run ... secretstore serve --data /data --test-mode) or as its
# SECRETSTORE_ variable (-e SECRETSTORE_TEST_MODE=true). docker stop sends
# SIGTERM: the server lets requests finish (up to 10 s, docker's default
# grace period) and closes the store. The healthcheck asks the server's
# /_secretstore/health with "secretstore health", since the image has no
# curl.
FROM scratch
COPY secretstore /secretstore
# An empty folder owned by the server's user: a new named volume mounted
# on /data takes its owner from it.
COPY --chown=65532:65532 data /data
USER 65532:65532
ENV SECRETSTORE_ADDR=0.0.0.0:4566
EXPOSE 4566
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/secretstore", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/secretstore"]
CMD ["serve", "--data", "/data"]
