package io.otelactuator.examples.sba;

import de.codecentric.boot.admin.server.config.EnableAdminServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Stand-alone Spring Boot Admin 4.0 server for trying otel-actuator instances.
 * All settings live in application.properties.
 */
@SpringBootApplication
@EnableAdminServer
public class SbaServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(SbaServerApplication.class, args);
    }
}
