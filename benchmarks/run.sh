#!/usr/bin/env bash
# Builds the benchmarks and runs them in one JMH run, on a JDK 21+ found the way the build finds
# one: $JAVA_HOME if it is 21 or newer, else the newest JDK in /usr/lib/jvm.
#
#   benchmarks/run.sh [--quick] [regex]
#
# Writes JMH's JSON to benchmarks/results/ and prints a Markdown table with ratios and the targets.
# --quick: fewer, shorter iterations (under 5 minutes on 2 cores); the full run takes about 20.
set -euo pipefail
cd "$(dirname "$0")/.."

. benchmarks/jdk.sh

mvn -q -B -DskipTests -pl benchmarks -am install
exec "$java" -jar benchmarks/target/benchmarks.jar "$@"
