# syntax=docker/dockerfile:1
# The strata image: one image for every role. The first argument picks it, exactly as with
# bin/strata: metadata | storage | gateway (the Helm chart's Pods), or a client command
# (topics | produce | consume | perf). See the README, "Container image".
#
#   docker build --platform linux/amd64 -t REGISTRY/strata:0.1.0 .
#
# linux/amd64 only: the build pins RocksDB's linux64 native library (see metadata-service/pom.xml).
#
# The launcher test in helm/ (ChartLauncherTest) reads this file: it lays out the final stage's
# COPY instructions locally and starts the chart's commands through ENTRYPOINT with ENV, so keep
# the final stage to COPY, ENV, RUN, USER, WORKDIR, LABEL, ENTRYPOINT and CMD.

# Stage 1: the distribution, built from source (tests are CI's job, not the image build's).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -DskipTests -pl cli -am package

# Stage 2: a JRE, the distribution and the launcher, run as an unprivileged user.
FROM eclipse-temurin:17-jre
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="Strata: a durable, partitioned, replicated event log" \
      org.opencontainers.image.version="${VERSION}"
# uid/gid 10001 match the chart's podSecurityContext; /var/lib/strata is where data volumes mount.
RUN groupadd --system --gid 10001 strata \
 && useradd --system --uid 10001 --gid strata --home-dir /opt/strata --no-create-home --shell /usr/sbin/nologin strata \
 && mkdir -p /var/lib/strata \
 && chown strata:strata /var/lib/strata
COPY --from=build /src/cli/target/lib/ /opt/strata/lib/
COPY --from=build /src/cli/target/strata-cli.jar /opt/strata/strata-cli.jar
COPY --chmod=0755 bin/strata-run /opt/strata/bin/strata
ENV STRATA_HOME=/opt/strata \
    STRATA_JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
WORKDIR /var/lib/strata
ENTRYPOINT ["/opt/strata/bin/strata"]
CMD ["--help"]
