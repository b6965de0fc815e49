# Tidewater image for docker-compose.yml. Build the jar first: mvn -B -DskipTests package
FROM eclipse-temurin:17.0.15_6-jre
WORKDIR /app
COPY target/tidewater.jar /app/tidewater.jar
COPY target/lib /app/lib
COPY target/hawtio /app/hawtio
COPY routes /app/routes
COPY application.properties /app/application.properties
EXPOSE 8081 8090
# "run" starts the pipeline; "hawtio" starts Hawtio alone (the compose file's hawtio service).
# The throughput collector, as the launcher (./tidewater) runs it.
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-jar", "/app/tidewater.jar"]
CMD ["run"]
