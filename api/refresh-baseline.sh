#!/usr/bin/env bash
# Makes the current code the API baseline that `mvn verify` compares the jars with (japicmp), after
# an intended change of the public API (a removed or changed public type or member): builds
# procpool-core and procpool-redis and copies their jars here. Commit the two jars with the change.
#
#   bash api/refresh-baseline.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -pl procpool-core,procpool-redis -am package -DskipTests -Djapicmp.skip "$@"
version=$(sed -n 's|^  <version>\(.*\)</version>|\1|p' pom.xml)  # the parent's own version
for module in procpool-core procpool-redis; do
    cp "$module/target/$module-$version.jar" "api/$module-baseline.jar"
    echo "api/$module-baseline.jar <- $module/target/$module-$version.jar"
done
