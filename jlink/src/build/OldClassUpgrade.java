import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/**
 * Rewrites the pre-Java-6 class files of a jar (major version below 50) as Java 8 class files (52) with stack map
 * frames, instruction for instruction. Run by {@link LinkImage} on JDK 24+ (the java.lang.classfile API) as
 * {@code java OldClassUpgrade.java IN.jar OUT.jar}; prints the number of classes rewritten.
 *
 * <p>Why: HotSpot's AOT cache leaves out classes older than version 50 (they need the old type-inferring verifier),
 * so every start of the CLI loaded, parsed and verified Picocli's 176 classes (Picocli targets Java 5) from the
 * jimage instead of mapping them ready-linked from the cache. Regenerating the method bodies through the ClassFile
 * API emits the stack maps the split verifier needs; the bytecode itself is unchanged. Stack map frames need the
 * class hierarchy: JDK classes come from the running JDK, the jar's own from the jar.
 */
public final class OldClassUpgrade {
    static final int OLDEST_ARCHIVABLE = 50;
    static final int TARGET = 52;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: OldClassUpgrade IN.jar OUT.jar");
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int upgraded = 0;
        try (URLClassLoader own = new URLClassLoader(new URL[] {in.toUri().toURL()}, null);
             JarFile jar = new JarFile(in.toFile());
             JarOutputStream target = new JarOutputStream(Files.newOutputStream(out))) {
            ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(own))));
            for (JarEntry e : Collections.list(jar.entries())) {
                byte[] bytes;
                try (var is = jar.getInputStream(e)) {
                    bytes = is.readAllBytes();
                }
                String name = e.getName();
                if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
                    ClassModel model = cf.parse(bytes);
                    if (model.majorVersion() < OLDEST_ARCHIVABLE) {
                        try {
                            bytes = cf.transformClass(model,
                                    ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                                            .andThen(ClassTransform.dropping(el -> el instanceof ClassFileVersion))
                                            .andThen(ClassTransform.endHandler(b -> b.withVersion(TARGET, 0))));
                        } catch (IllegalArgumentException | IllegalStateException ex) {
                            throw new IllegalStateException("cannot upgrade " + name + " of " + in + " (version "
                                    + model.majorVersion() + "): " + ex.getMessage(), ex);
                        }
                        upgraded++;
                    }
                }
                target.putNextEntry(new ZipEntry(name));
                target.write(bytes);
                target.closeEntry();
            }
        }
        System.out.println(upgraded);
    }
}
