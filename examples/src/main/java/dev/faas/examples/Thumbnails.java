package dev.faas.examples;

import dev.faas.triggers.objects.ObjectStore;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The seed's example of a function an upload triggers: a thumbnail of each image, made with ImageIO,
 * in the image's own format.
 */
public final class Thumbnails {

    private Thumbnails() {}

    /**
     * Writes a thumbnail of the image at {@code key} to {@code thumbnails/<the key past its first
     * segment>} in the same store, at most {@code maxSide} pixels wide and high, its aspect ratio kept.
     *
     * @param store the store
     * @param key an image's key, such as {@code uploads/cat.jpg}
     * @param maxSide the longest side, in pixels
     * @return the thumbnail's key
     * @throws IllegalArgumentException if the object is not an image ImageIO reads
     * @throws IOException if the store cannot be read or written
     */
    public static String write(ObjectStore store, String key, int maxSide) throws IOException {
        byte[] content = store.read(key);
        String format;
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(content))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException("'" + key + "' is not an image ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                format = reader.getFormatName().toLowerCase(Locale.ROOT);
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        }
        BufferedImage thumbnail = scale(image, maxSide, !format.equals("jpeg"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(thumbnail, format, out)) {
            throw new IllegalArgumentException("ImageIO cannot write " + format + ", the format of '" + key + "'");
        }
        String target = "thumbnails/" + key.substring(key.indexOf('/') + 1);
        store.put(target, out.toByteArray());
        return target;
    }

    /** The image scaled down to fit {@code maxSide}, never up; with alpha only where the format keeps it. */
    static BufferedImage scale(BufferedImage image, int maxSide, boolean keepAlpha) {
        double factor = Math.min(1.0, (double) maxSide / Math.max(image.getWidth(), image.getHeight()));
        int width = Math.max(1, (int) Math.round(image.getWidth() * factor));
        int height = Math.max(1, (int) Math.round(image.getHeight() * factor));
        int type = keepAlpha && image.getColorModel().hasAlpha()
                ? BufferedImage.TYPE_INT_ARGB
                : BufferedImage.TYPE_INT_RGB;
        BufferedImage scaled = new BufferedImage(width, height, type);
        Graphics2D graphics = scaled.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            graphics.drawImage(image, 0, 0, width, height, null);
        } finally {
            graphics.dispose();
        }
        return scaled;
    }

    /** A gradient as an image file, so that it compresses like a photograph: the demo's uploads and the tests'. */
    static byte[] gradient(int width, int height, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        try {
            graphics.setPaint(new GradientPaint(0, 0, Color.ORANGE, width, height, Color.BLUE));
            graphics.fillRect(0, 0, width, height);
        } finally {
            graphics.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    /** An image file's size, as {@code <width>x<height>}. */
    static String size(byte[] content) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(content));
        if (image == null) {
            throw new IllegalArgumentException("not an image ImageIO can read");
        }
        return image.getWidth() + "x" + image.getHeight();
    }
}
