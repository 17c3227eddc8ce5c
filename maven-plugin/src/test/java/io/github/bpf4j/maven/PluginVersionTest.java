package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin is released with the library it runs (it calls the library's
 * generator and headers), and the examples use exactly that pair: every
 * version written in these poms must be the library's.
 */
class PluginVersionTest {
    private static final Path REPO = Paths.get(System.getProperty("bpf4j.repository", ".."));

    private static Element project(String pom) throws Exception {
        Path p = REPO.resolve(pom);
        assertTrue(Files.isRegularFile(p), p + " missing");
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile()).getDocumentElement();
    }

    private static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && n.getNodeName().equals(name)) {
                return n.getTextContent().trim();
            }
        }
        return null;
    }

    @Test
    void pluginAndExamplesCarryTheLibraryVersion() throws Exception {
        Element library = project("pom.xml");
        assertEquals("bpf4j", child(library, "artifactId"));
        String version = child(library, "version");
        assertEquals(version, child(project("maven-plugin/pom.xml"), "version"), "maven-plugin/pom.xml");
        assertEquals(version, child(project("examples/pom.xml"), "version"), "examples/pom.xml");
        Element example = project("examples/write-counter/pom.xml");
        assertEquals(version, child(example, "version"), "examples/write-counter/pom.xml");
        Element props = (Element) example.getElementsByTagName("properties").item(0);
        assertEquals(version, child(props, "bpf4j.version"), "write-counter's bpf4j.version");
    }
}
