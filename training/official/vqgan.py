"""VQ-f4 autoencoder of the official ResShift checkpoints (``autoencoder_vq_f4.pth``), from docs/RESSHIFT.md §3.4.

Our own implementation of the CompVis LDM "vq-f4" first stage with the state-dict names of the checkpoint
(``encoder.*``, ``decoder.*``, ``quantize.embedding.weight``, ``quant_conv.*``, ``post_quant_conv.*``).

* encode = Encoder + quant_conv, continuous latent (no quantisation);
* decode = nearest-codebook snap (squared L2, first index on ties) + post_quant_conv + Decoder (no clamp, no tanh).

Memory bounds (both are exact rewrites, not approximations):
* the mid-block single-head attention is computed in chunks of ``attn_chunk`` queries, so the score matrix held
  at once is attn_chunk x tokens instead of tokens x tokens;
* the codebook snap computes distances for ``snap_chunk`` tokens at a time (snap_chunk x n_embed).
Chunk counts are Python-level loops: an exported graph is unrolled for its static tile size.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

VQ_F4_CONFIG = dict(
    embed_dim=3,
    n_embed=8192,
    ch=128,
    ch_mult=(1, 2, 4),
    num_res_blocks=2,
    z_channels=3,
    in_channels=3,
    out_ch=3,
)

ATTN_CHUNK = 1024   # queries per attention chunk: 1024 x 4096 x 4 B = 16 MiB of scores at LR tile 64
SNAP_CHUNK = 1024   # tokens per codebook-distance chunk: 1024 x 8192 x 4 B = 32 MiB


def norm(ch):
    return nn.GroupNorm(32, ch, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = norm(cout)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)
        self.has_shortcut = cin != cout

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(self.dropout(swish(self.norm2(h))))
        if self.has_shortcut:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    """Single-head self-attention over all positions, computed in query chunks."""

    def __init__(self, ch, chunk=ATTN_CHUNK):
        super().__init__()
        self.chunk = chunk
        self.norm = norm(ch)
        self.q = nn.Conv2d(ch, ch, 1)
        self.k = nn.Conv2d(ch, ch, 1)
        self.v = nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = (int(s) for s in x.shape)
        n = h * w
        y = self.norm(x)
        # Static sizes (b too): the VQ graphs are exported for one batch and tile size, and static reshapes keep
        # ONNX shape inference exact.
        q = self.q(y).reshape(b, c, n).permute(0, 2, 1)   # B x N x C
        k = self.k(y).reshape(b, c, n)                     # B x C x N
        v = self.v(y).reshape(b, c, n)                     # B x C x N
        scale = c ** -0.5
        outs = []
        step = self.chunk if self.chunk and self.chunk > 0 else n
        for s in range(0, n, step):
            wts = torch.bmm(q[:, s:s + step], k) * scale    # B x chunk x N
            wts = F.softmax(wts, dim=2)
            outs.append(torch.bmm(v, wts.permute(0, 2, 1)))  # B x C x chunk
        o = outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)
        return x + self.proj_out(o.reshape(b, c, h, w))


class Downsample(nn.Module):
    """Zero pad right/bottom by one, then Conv3x3 stride 2 without padding."""

    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0.0))


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Mid(nn.Module):
    def __init__(self, ch, attn_chunk):
        super().__init__()
        self.block_1 = ResnetBlock(ch, ch)
        self.attn_1 = AttnBlock(ch, attn_chunk)
        self.block_2 = ResnetBlock(ch, ch)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Level(nn.Module):
    """One resolution level: ``block`` (ResnetBlocks), empty ``attn`` (attn_resolutions == []), resampler."""

    def __init__(self, blocks, resample=None, resample_name=None):
        super().__init__()
        self.block = nn.ModuleList(blocks)
        self.attn = nn.ModuleList()
        self.resample_name = resample_name
        if resample is not None:
            setattr(self, resample_name, resample)

    def forward(self, x):
        for b in self.block:
            x = b(x)
        if self.resample_name is not None:
            x = getattr(self, self.resample_name)(x)
        return x


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, in_channels, attn_chunk=ATTN_CHUNK, **_):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, padding=1)
        self.down = nn.ModuleList()
        cin = ch
        for i, m in enumerate(ch_mult):
            cout = ch * m
            blocks = []
            for _ in range(num_res_blocks):
                blocks.append(ResnetBlock(cin, cout))
                cin = cout
            last = i == len(ch_mult) - 1
            self.down.append(Level(blocks, None if last else Downsample(cin), None if last else "downsample"))
        self.mid = Mid(cin, attn_chunk)
        self.norm_out = norm(cin)
        self.conv_out = nn.Conv2d(cin, z_channels, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for lvl in self.down:
            h = lvl(h)
        h = self.mid(h)
        return self.conv_out(swish(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, out_ch, attn_chunk=ATTN_CHUNK, **_):
        super().__init__()
        cin = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, cin, 3, padding=1)
        self.mid = Mid(cin, attn_chunk)
        levels = []
        for i in reversed(range(len(ch_mult))):
            cout = ch * ch_mult[i]
            blocks = []
            for _ in range(num_res_blocks + 1):
                blocks.append(ResnetBlock(cin, cout))
                cin = cout
            levels.append(Level(blocks, Upsample(cin) if i else None, "upsample" if i else None))
        self.up = nn.ModuleList(reversed(levels))   # up[0] is the full-resolution level, as in the checkpoint
        self.norm_out = norm(cin)
        self.conv_out = nn.Conv2d(cin, out_ch, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for lvl in reversed(self.up):
            h = lvl(h)
        return self.conv_out(swish(self.norm_out(h)))


class Quantize(nn.Module):
    def __init__(self, n_embed, embed_dim, chunk=SNAP_CHUNK):
        super().__init__()
        self.chunk = chunk
        self.embedding = nn.Embedding(n_embed, embed_dim)

    def indices(self, z):
        """Nearest codebook index for every position of z (B x D x H x W) -> (B*H*W) int64, row-major per image."""
        d = z.shape[1]
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        e = self.embedding.weight
        e2 = torch.sum(e ** 2, dim=1)
        et = e.t()
        n = int(flat.shape[0])
        step = self.chunk if self.chunk and self.chunk > 0 else n
        idx = []
        for s in range(0, n, step):
            zc = flat[s:s + step]
            dist = torch.sum(zc ** 2, dim=1, keepdim=True) + e2 - 2 * torch.matmul(zc, et)
            idx.append(torch.argmin(dist, dim=1))
        return idx[0] if len(idx) == 1 else torch.cat(idx, dim=0)

    def forward(self, z):
        b, d, h, w = (int(s) for s in z.shape)
        zq = self.embedding(self.indices(z))                 # (B*H*W) x D
        return zq.reshape(b, h, w, d).permute(0, 3, 1, 2).contiguous()


class VQModel(nn.Module):
    """VQModelTorch-compatible autoencoder (vq-f4 defaults)."""

    def __init__(self, embed_dim=3, n_embed=8192, ch=128, ch_mult=(1, 2, 4), num_res_blocks=2, z_channels=3,
                 in_channels=3, out_ch=3, attn_chunk=ATTN_CHUNK, snap_chunk=SNAP_CHUNK):
        super().__init__()
        cfg = dict(ch=ch, ch_mult=ch_mult, num_res_blocks=num_res_blocks, z_channels=z_channels,
                   in_channels=in_channels, out_ch=out_ch, attn_chunk=attn_chunk)
        self.factor = 2 ** (len(ch_mult) - 1)
        self.encoder = Encoder(**cfg)
        self.decoder = Decoder(**cfg)
        self.quantize = Quantize(n_embed, embed_dim, snap_chunk)
        self.quant_conv = nn.Conv2d(z_channels, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)

    def encode(self, x):
        return self.quant_conv(self.encoder(x))

    def decode(self, z, quantize=True):
        if quantize:
            z = self.quantize(z)
        return self.decoder(self.post_quant_conv(z))


class EncoderGraph(nn.Module):
    """image (N x 3 x H x W, [-1, 1]) -> latent (N x embed_dim x H/f x W/f)."""

    def __init__(self, vq):
        super().__init__()
        self.vq = vq

    def forward(self, image):
        return self.vq.encode(image)


class DecoderGraph(nn.Module):
    """latent -> image (N x 3 x H x W, not clamped), with the nearest-codebook snap."""

    def __init__(self, vq):
        super().__init__()
        self.vq = vq

    def forward(self, latent):
        return self.vq.decode(latent, quantize=True)
