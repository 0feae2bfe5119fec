// glue.c: see glue.h for the contracts.

#include <string.h>

#include "glue.h"

void rs_block_loaders(void) {
  static const char *allowed[] = {
      "VipsForeignLoadJpeg", "VipsForeignLoadPng",  "VipsForeignLoadWebp",
      "VipsForeignLoadTiff", "VipsForeignLoadNsgif", "VipsForeignLoadHeif",
  };
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++) {
    vips_operation_block_set(allowed[i], FALSE);
  }
}

// buffer_loaders are the allowed loaders Decode sniffs, in libvips priority
// order.
static const char *buffer_loaders[] = {
    "pngload_buffer", "webpload_buffer", "jpegload_buffer",
    "tiffload_buffer", "gifload_buffer", "heifload_buffer",
};

const char *rs_find_loader(const void *data, size_t len) {
  // vips_foreign_find_load_buffer would run every loader's sniffer,
  // including blocked and untrusted ones (libvips 8.14 does not skip them):
  // only the allowed loaders look at the data.
  for (size_t i = 0; i < G_N_ELEMENTS(buffer_loaders); i++) {
    GType type = vips_type_find("VipsForeignLoad", buffer_loaders[i]);
    if (type == 0) {
      continue; // libvips built without this format
    }
    VipsForeignLoadClass *cls = g_type_class_ref(type);
    VipsOperationClass *ocls = VIPS_OPERATION_CLASS(cls);
    int hit = !(ocls->flags & VIPS_OPERATION_BLOCKED) && cls->is_a_buffer &&
              cls->is_a_buffer(data, len);
    g_type_class_unref(cls);
    if (hit) {
      return buffer_loaders[i];
    }
  }
  vips_error_clear();
  return NULL;
}

int rs_load(const char *loader, const void *data, size_t len, int fail_on,
            VipsImage **out) {
  *out = NULL;
  VipsOperation *op = vips_operation_new(loader);
  if (op == NULL) {
    return -1;
  }
  VipsBlob *blob = vips_blob_copy(data, len);
  // Sequential access: loaders that support it decode straight into the
  // regions rs_decode_all pulls, on the calling thread, instead of into a
  // buffer filled by libvips' worker threads.
  int set = vips_object_set(VIPS_OBJECT(op), "buffer", blob, "fail_on",
                            fail_on, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
  vips_area_unref(VIPS_AREA(blob));
  // Built directly, bypassing the operation cache.
  if (set != 0 || vips_object_build(VIPS_OBJECT(op)) != 0) {
    vips_object_unref_outputs(VIPS_OBJECT(op));
    g_object_unref(op);
    return -1;
  }
  g_object_get(op, "out", out, NULL);
  vips_object_unref_outputs(VIPS_OBJECT(op));
  g_object_unref(op);
  return *out == NULL ? -1 : 0;
}

int rs_decode_all(VipsImage *in, VipsImage **out) {
  *out = NULL;
  VipsImage *mem = vips_image_new_memory();
  if (vips_image_pipelinev(mem, VIPS_DEMAND_STYLE_THINSTRIP, in, NULL) ||
      vips_image_write_prepare(mem)) {
    g_object_unref(mem);
    return -1;
  }
  VipsRegion *reg = vips_region_new(in);
  if (reg == NULL) {
    g_object_unref(mem);
    return -1;
  }
  size_t line = VIPS_IMAGE_SIZEOF_LINE(in);
  // Strips of whole lines, top to bottom: the order sequential loaders need.
  int strip = 16;
  for (int y = 0; y < in->Ysize; y += strip) {
    VipsRect r = {0, y, in->Xsize, MIN(strip, in->Ysize - y)};
    if (vips_region_prepare(reg, &r)) {
      g_object_unref(reg);
      g_object_unref(mem);
      return -1;
    }
    for (int i = 0; i < r.height; i++) {
      memcpy(VIPS_IMAGE_ADDR(mem, 0, y + i), VIPS_REGION_ADDR(reg, 0, y + i),
             line);
    }
  }
  g_object_unref(reg);
  *out = mem;
  return 0;
}

// swap releases *img and replaces it with next.
static void swap(VipsImage **img, VipsImage *next) {
  g_object_unref(*img);
  *img = next;
}

// is_device reports whether samples are already device RGB/gray values (as
// opposed to Lab, XYZ, linear scRGB, ...), so that at most an ICC profile
// needs applying.
static int is_device(VipsInterpretation i) {
  switch (i) {
  case VIPS_INTERPRETATION_sRGB:
  case VIPS_INTERPRETATION_RGB:
  case VIPS_INTERPRETATION_RGB16:
  case VIPS_INTERPRETATION_B_W:
  case VIPS_INTERPRETATION_GREY16:
  case VIPS_INTERPRETATION_MULTIBAND:
  case VIPS_INTERPRETATION_HISTOGRAM:
  case VIPS_INTERPRETATION_MATRIX:
  case VIPS_INTERPRETATION_FOURIER:
    return 1;
  default:
    return 0;
  }
}

static int is_16(VipsInterpretation i) {
  return i == VIPS_INTERPRETATION_RGB16 || i == VIPS_INTERPRETATION_GREY16;
}

// norm_format casts *img to uchar, ushort or float.
static int norm_format(VipsImage **img) {
  VipsBandFormat to;
  switch (vips_image_get_format(*img)) {
  case VIPS_FORMAT_UCHAR:
  case VIPS_FORMAT_USHORT:
  case VIPS_FORMAT_FLOAT:
    return 0;
  case VIPS_FORMAT_CHAR:
    to = VIPS_FORMAT_UCHAR;
    break;
  case VIPS_FORMAT_SHORT:
  case VIPS_FORMAT_INT:
  case VIPS_FORMAT_UINT:
    to = VIPS_FORMAT_USHORT;
    break;
  case VIPS_FORMAT_DOUBLE:
    to = VIPS_FORMAT_FLOAT;
    break;
  default:
    vips_error("imageio", "unsupported sample format %s",
               vips_enum_nick(VIPS_TYPE_BAND_FORMAT, vips_image_get_format(*img)));
    return -1;
  }
  VipsImage *t = NULL;
  if (vips_cast(*img, &t, to, NULL)) {
    return -1;
  }
  swap(img, t);
  return 0;
}

static double format_max(VipsBandFormat f, VipsInterpretation i) {
  switch (f) {
  case VIPS_FORMAT_UCHAR:
    return 255.0;
  case VIPS_FORMAT_USHORT:
    return 65535.0;
  default:
    if (is_16(i)) {
      return 65535.0;
    }
    return 255.0;
  }
}

// to_srgb converts the colour bands to sRGB; see rs_prepare.
static int to_srgb(VipsImage **col, int ncol, VipsInterpretation interp,
                   RsLayout *lay) {
  VipsImage *t = NULL;
  VipsBandFormat fmt = vips_image_get_format(*col);
  int has_icc = vips_image_get_typeof(*col, VIPS_META_ICC_NAME) != 0;

  if (ncol == 4 || (has_icc && is_device(interp))) {
    int ok = 0;
    if (fmt == VIPS_FORMAT_UCHAR || fmt == VIPS_FORMAT_USHORT) {
      // depth 16 keeps the precision of the transform whatever the source
      // depth; CMYK without a profile uses libvips' built-in CMYK profile.
      ok = vips_icc_transform(*col, &t, "srgb", "embedded", TRUE,
                              "input_profile", ncol == 4 ? "cmyk" : "srgb",
                              "depth", 16, "intent", VIPS_INTENT_RELATIVE,
                              NULL) == 0;
    } else {
      vips_error("imageio", "ICC profile on %s samples is not supported",
                 vips_enum_nick(VIPS_TYPE_BAND_FORMAT, fmt));
    }
    if (ok) {
      swap(col, t);
      lay->icc_converted = 1;
      return 0;
    }
    if (ncol == 4) {
      return -1; // CMYK has no meaning without a profile
    }
    // Unusable embedded profile: the samples are taken as sRGB and the Go
    // side logs the reason left in the error buffer.
    lay->icc_ignored = 1;
    if (vips_copy(*col, &t, NULL)) {
      return -1;
    }
    swap(col, t);
    vips_image_remove(*col, VIPS_META_ICC_NAME);
    return 0;
  }

  if (!is_device(interp) && ncol == 3) {
    if (!vips_colourspace_issupported(*col)) {
      vips_error("imageio", "unsupported colour space %s",
                 vips_enum_nick(VIPS_TYPE_INTERPRETATION, interp));
      return -1;
    }
    if (vips_colourspace(*col, &t, VIPS_INTERPRETATION_RGB16, NULL)) {
      return -1;
    }
    swap(col, t);
    lay->src_depth = 16;
  }
  return 0;
}

int rs_prepare(VipsImage *in, RsLayout *lay, VipsImage **rotated,
               VipsImage **colour, VipsImage **alpha) {
  VipsImage *img = in, *col = NULL, *alp = NULL, *t = NULL;

  memset(lay, 0, sizeof(*lay));
  *rotated = *colour = *alpha = NULL;
  g_object_ref(img);

  if (img->Coding != VIPS_CODING_NONE) {
    if (vips_image_decode(img, &t)) {
      goto fail;
    }
    swap(&img, t);
  }
  if (vips_autorot(img, &t, NULL)) {
    goto fail;
  }
  swap(&img, t);

  VipsInterpretation interp = vips_image_get_interpretation(img);
  VipsBandFormat fmt = vips_image_get_format(img);
  int bands = img->Bands;
  int ncol = 3;
  if (interp == VIPS_INTERPRETATION_CMYK && bands >= 4) {
    ncol = 4;
  } else if (bands <= 2) {
    ncol = 1;
  }
  if (bands > ncol + 1) {
    vips_error("imageio", "unsupported band layout: %d bands, %s", bands,
               vips_enum_nick(VIPS_TYPE_INTERPRETATION, interp));
    goto fail;
  }
  if (vips_band_format_iscomplex(fmt)) {
    vips_error("imageio", "unsupported sample format %s",
               vips_enum_nick(VIPS_TYPE_BAND_FORMAT, fmt));
    goto fail;
  }
  lay->src_gray = ncol == 1;
  lay->src_depth =
      (fmt == VIPS_FORMAT_UCHAR || fmt == VIPS_FORMAT_CHAR) ? 8 : 16;

  if (bands == ncol) {
    g_object_ref(img);
    col = img;
  } else {
    if (vips_extract_band(img, &col, 0, "n", ncol, NULL) ||
        vips_extract_band(img, &alp, ncol, NULL)) {
      goto fail;
    }
  }

  if (to_srgb(&col, ncol, interp, lay) || norm_format(&col)) {
    goto fail;
  }
  lay->colour_bands = col->Bands;
  lay->colour_format = vips_image_get_format(col);
  lay->colour_max =
      format_max(vips_image_get_format(col), vips_image_get_interpretation(col));

  if (alp != NULL) {
    if (norm_format(&alp)) {
      goto fail;
    }
    lay->has_alpha = 1;
    lay->alpha_format = vips_image_get_format(alp);
    lay->alpha_max = format_max(vips_image_get_format(alp), interp);
    if (vips_image_get_format(alp) == VIPS_FORMAT_FLOAT &&
        interp == VIPS_INTERPRETATION_scRGB) {
      lay->alpha_max = 1.0;
    }
  }

  *rotated = img;
  *colour = col;
  *alpha = alp;
  return 0;

fail:
  g_object_unref(img);
  if (col != NULL) {
    g_object_unref(col);
  }
  if (alp != NULL) {
    g_object_unref(alp);
  }
  return -1;
}

void *rs_to_memory(VipsImage *in, size_t *len) {
  return vips_image_write_to_memory(in, len);
}

const void *rs_get_blob(VipsImage *in, const char *name, size_t *len) {
  const void *data = NULL;
  *len = 0;
  if (vips_image_get_typeof(in, name) == 0) {
    return NULL;
  }
  if (vips_image_get_blob(in, name, &data, len)) {
    vips_error_clear();
    *len = 0;
    return NULL;
  }
  return data;
}

VipsImage *rs_from_memory(const void *data, size_t len, int width, int height,
                          int bands, int format, int interpretation,
                          double xres, double yres) {
  VipsImage *im = vips_image_new_from_memory_copy(data, len, width, height,
                                                  bands, format);
  if (im == NULL) {
    return NULL;
  }
  // A fresh image owned by the caller: setting header fields directly is safe.
  im->Type = interpretation;
  if (xres > 0 && yres > 0) {
    im->Xres = xres;
    im->Yres = yres;
  }
  return im;
}

int rs_save(VipsImage *in, const RsSave *o, void **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  switch (o->kind) {
  case RS_SAVE_JPEG:
    return vips_jpegsave_buffer(in, buf, len, "Q", o->quality,
                                "optimize_coding", TRUE, "strip", o->strip,
                                NULL);
  case RS_SAVE_PNG:
    return vips_pngsave_buffer(in, buf, len, "compression", 6, "strip",
                               o->strip, NULL);
  case RS_SAVE_WEBP:
    return vips_webpsave_buffer(in, buf, len, "Q", o->quality, "lossless",
                                o->lossless, "strip", o->strip, NULL);
  case RS_SAVE_TIFF:
    return vips_tiffsave_buffer(
        in, buf, len, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
        "predictor", VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL, "strip", o->strip,
        NULL);
  case RS_SAVE_TIFF_RAW:
    return vips_tiffsave_buffer(in, buf, len, "compression",
                                VIPS_FOREIGN_TIFF_COMPRESSION_NONE, "strip",
                                o->strip, NULL);
  case RS_SAVE_HEIF:
  case RS_SAVE_AVIF:
    return vips_heifsave_buffer(
        in, buf, len, "Q", o->quality, "lossless", o->lossless, "compression",
        o->kind == RS_SAVE_AVIF ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1
                                : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
        "strip", o->strip, NULL);
  default:
    vips_error("imageio", "unknown save kind %d", o->kind);
    return -1;
  }
}
