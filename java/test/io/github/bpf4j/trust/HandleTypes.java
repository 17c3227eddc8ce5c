/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import io.github.bpf4j.BpfObject;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the library's handle types by scanning its compiled classes, so a
 * handle type added later is picked up without anyone remembering to list it.
 *
 * <p>A class is handle-bound if it is {@link AutoCloseable}, or if one of its
 * instance fields (or those of its superclasses) holds a native lifecycle
 * object ({@code internal.Handle}, {@code NativeOwner}, {@code Mapping}) or
 * another handle-bound class. The fixpoint runs over every class of the
 * package, private ones included, since a public type may reach a handle
 * only through a private helper.
 */
final class HandleTypes {
    private static final String PACKAGE = "io.github.bpf4j";
    private static final String INTERNAL = PACKAGE + ".internal";
    private static final Set<String> LIFECYCLE = new LinkedHashSet<String>(java.util.Arrays.asList(
            INTERNAL + ".Handle", INTERNAL + ".NativeOwner", INTERNAL + ".Mapping", INTERNAL + ".Cleaner$Cleanable"));

    private HandleTypes() {}

    /** Every class compiled from java/main, loaded without initialising it. */
    static List<Class<?>> allClasses() throws IOException {
        Path root;
        try {
            root = Paths.get(BpfObject.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("expected the library's classes in a directory (target/classes), found " + root);
        }
        List<Class<?>> out = new ArrayList<Class<?>>();
        ClassLoader loader = BpfObject.class.getClassLoader();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String rel = root.relativize(p).toString();
                if (!rel.endsWith(".class") || rel.endsWith("module-info.class") || rel.endsWith("package-info.class")) {
                    continue;
                }
                String name = rel.substring(0, rel.length() - 6).replace(File.separatorChar, '.');
                if (!name.startsWith(PACKAGE + ".")) {
                    continue;
                }
                try {
                    out.add(Class.forName(name, false, loader));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IOException("cannot load " + name, e);
                }
            }
        }
        Collections.sort(out, new Comparator<Class<?>>() {
            @Override
            public int compare(Class<?> a, Class<?> b) {
                return a.getName().compareTo(b.getName());
            }
        });
        return out;
    }

    /** Public API: public, reachable (every enclosing class public), outside the internal package. */
    static boolean isPublicApi(Class<?> c) {
        if (c.getName().startsWith(INTERNAL + ".") || c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /** The public API classes that are handle-bound, sorted by name. */
    static List<Class<?>> publicHandleTypes() throws IOException {
        List<Class<?>> all = allClasses();
        Set<Class<?>> bound = new LinkedHashSet<Class<?>>();
        for (boolean changed = true; changed;) {
            changed = false;
            for (Class<?> c : all) {
                if (!bound.contains(c) && (isCloseable(c) || holdsBound(c, bound))) {
                    bound.add(c);
                    changed = true;
                }
            }
        }
        List<Class<?>> out = new ArrayList<Class<?>>();
        for (Class<?> c : all) {
            if (bound.contains(c) && isPublicApi(c) && !c.isInterface() && !Throwable.class.isAssignableFrom(c)) {
                out.add(c);
            }
        }
        return out;
    }

    private static boolean isCloseable(Class<?> c) {
        return AutoCloseable.class.isAssignableFrom(c) && !c.isInterface() && !c.getName().startsWith(INTERNAL + ".");
    }

    private static boolean holdsBound(Class<?> c, Set<Class<?>> bound) {
        for (Class<?> k = c; k != null && k.getName().startsWith(PACKAGE); k = k.getSuperclass()) {
            Field[] fields;
            try {
                fields = k.getDeclaredFields();
            } catch (LinkageError e) {
                continue;
            }
            for (Field f : fields) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Class<?> t = f.getType();
                while (t.isArray()) {
                    t = t.getComponentType();
                }
                if (LIFECYCLE.contains(t.getName()) || bound.contains(t)) {
                    return true;
                }
            }
        }
        return false;
    }
}
