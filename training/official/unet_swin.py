"""UNetModelSwin: the denoiser of the official ResShift checkpoints, written from docs/RESSHIFT.md §3.

Our own implementation (not derived from the S-Lab licensed code); it reproduces the architecture and the
state-dict names of the official x4 checkpoints (realsr v1/v2/v3, bicsr) so that their weights load with
``load_state_dict(strict=True)``:

* ResBlock with scale-shift norm (GroupNorm32 eps 1e-5), Downsample = Conv3x3 stride 2 pad 1,
  Upsample = nearest x2 + Conv3x3;
* Swin "BasicLayer" after the first ResBlock of every level (and in the middle block): 1x1 patch embed to
  ``swin_embed_dim``, two SwinTransformerBlocks working on NCHW maps with GroupNorm (not LayerNorm), 1x1 unembed,
  no outer residual;
* shifted blocks (block 1, shift = window/2) only where the level's *construction* resolution is larger than the
  window; their shifted-window mask follows the official repository's rule (RESSHIFT.md §3.3), which differs from
  the standard Swin mask: only the last row of windows is masked, by in-window column groups;
* timestep embedding cos-first, of the raw integer step index.

Export: ``export_mode(h, w)`` freezes the model to one latent size: window partition/reverse use static sizes with
the batch left as -1, the relative-position bias is gathered once into a heads x N x N constant and the shift mask
is precomputed. This is what makes torch 1.13's ONNX exporter work (RESSHIFT.md §2.7: SIGFPE otherwise).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Hyper-parameters of every official x4 (realsr v1/v2/v3, bicsr) UNet, RESSHIFT.md §3.1.
X4_CONFIG = dict(
    image_size=64,
    in_channels=3,
    model_channels=160,
    out_channels=3,
    num_res_blocks=(2, 2, 2, 2),
    attention_resolutions=(64, 32, 16, 8),
    channel_mult=(1, 2, 2, 4),
    num_head_channels=32,
    use_scale_shift_norm=True,
    swin_depth=2,
    swin_embed_dim=192,
    window_size=8,
    mlp_ratio=4.0,
    cond_lq=True,
    lq_size=64,
)

MASK_VALUE = -100.0


class GroupNorm32(nn.GroupNorm):
    """GroupNorm(32 groups) computed in float32 and cast back to the input dtype."""

    def __init__(self, channels, eps=1e-5):
        super().__init__(32, channels, eps=eps)

    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


def timestep_embedding(t, dim, max_period=10000.0):
    """Sinusoidal embedding of step indices t (shape N), cos half first: [cos(t*f_k), sin(t*f_k)], f_k = P^(-k/half)."""
    half = dim // 2
    k = torch.arange(half, dtype=torch.float32, device=t.device)
    freqs = torch.exp(-math.log(max_period) * k / half)
    args = t.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def repo_shift_mask(h, w, window, shift):
    """Additive attention mask (nW x N x N, N = window^2) used by the official code for a shifted block at h x w tokens.

    RESSHIFT.md §3.3: windows are numbered row-major (r * (w/window) + c); windows outside the last window row are
    not masked; in the last window row, tokens n and m (row-major inside the window) attend to each other only when
    both or neither have an in-window column >= window - shift, otherwise the logit gets -100.
    """
    if h % window or w % window:
        raise ValueError(f"shift mask: size {h}x{w} is not a multiple of the window {window}")
    nwr, nwc = h // window, w // window
    n = window * window
    col = torch.arange(n) % window
    g = col >= window - shift
    last = torch.where(g[:, None] != g[None, :], torch.tensor(MASK_VALUE), torch.tensor(0.0))
    mask = torch.zeros(nwr * nwc, n, n)
    mask[(nwr - 1) * nwc:] = last
    return mask


def relative_position_index(window):
    """Standard Swin relative position index for a window x window window (N x N int64, values in [0, (2w-1)^2))."""
    ys, xs = torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")
    ys, xs = ys.reshape(-1), xs.reshape(-1)
    dy = ys[:, None] - ys[None, :] + window - 1
    dx = xs[:, None] - xs[None, :] + window - 1
    return (dy * (2 * window - 1) + dx).long()


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention(nn.Module):
    """Multi-head self-attention inside windows with a learned relative-position bias."""

    def __init__(self, dim, window, heads):
        super().__init__()
        self.dim, self.window, self.heads = dim, window, heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(window))
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("frozen_bias", None, persistent=False)

    def bias(self):
        """heads x N x N relative-position bias (the frozen constant in export mode)."""
        if self.frozen_bias is not None:
            return self.frozen_bias
        n = self.window * self.window
        b = self.relative_position_bias_table[self.relative_position_index.reshape(-1)]
        return b.reshape(n, n, self.heads).permute(2, 0, 1)

    def forward(self, x, mask=None):
        """x: (B*nW) x N x C windows; mask: nW x N x N additive mask or None."""
        n, c, heads = x.shape[1], self.dim, self.heads
        qkv = self.qkv(x).reshape(-1, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn + self.bias().unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.reshape(-1, nw, heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.reshape(-1, heads, n, n)
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(-1, n, c)
        return self.proj(out)


class SwinBlock(nn.Module):
    """x + WMSA(GN(x)), then + MLP(GN(.)), on NCHW maps; optional cyclic shift with the repository's mask."""

    def __init__(self, dim, heads, window, shift, mlp_ratio, build_size):
        super().__init__()
        self.dim, self.window, self.shift = dim, window, shift
        self.norm1 = GroupNorm32(dim)
        self.attn = WindowAttention(dim, window, heads)
        self.norm2 = GroupNorm32(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        if shift > 0:
            # The official blocks keep the mask of their construction size as a buffer (it is in the checkpoints
            # but never used at run time: the mask is rebuilt for the run-time size).
            self.register_buffer("attn_mask", repo_shift_mask(build_size, build_size, window, shift))
        self.frozen_hw = None
        self.register_buffer("frozen_mask", None, persistent=False)

    def freeze(self, h, w):
        self.frozen_hw = (h, w)
        self.frozen_mask = repo_shift_mask(h, w, self.window, self.shift) if self.shift > 0 else None
        self.attn.frozen_bias = self.attn.bias().detach().clone()

    def unfreeze(self):
        self.frozen_hw = None
        self.frozen_mask = None
        self.attn.frozen_bias = None

    def forward(self, x):
        ws, c = self.window, self.dim
        if self.frozen_hw is not None:
            h, w = self.frozen_hw
            mask = self.frozen_mask
        else:
            h, w = int(x.shape[2]), int(x.shape[3])
            mask = repo_shift_mask(h, w, ws, self.shift).to(x.device, x.dtype) if self.shift > 0 else None
        y = self.norm1(x)
        if self.shift > 0:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(2, 3))
        # partition: B x C x H x W -> (B*nW) x N x C, windows row-major, tokens row-major inside a window
        y = y.reshape(-1, c, h // ws, ws, w // ws, ws).permute(0, 2, 4, 3, 5, 1).reshape(-1, ws * ws, c)
        y = self.attn(y, mask.to(y.dtype) if mask is not None else None)
        # reverse: (B*nW) x N x C -> B x C x H x W
        y = y.reshape(-1, h // ws, w // ws, ws, ws, c).permute(0, 5, 1, 3, 2, 4).reshape(-1, c, h, w)
        if self.shift > 0:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(2, 3))
        x = x + y
        return x + self.mlp(self.norm2(x))


class Conv1x1(nn.Module):
    """Holder so that the state dict reads ``patch_embed.proj.*`` / ``patch_unembed.proj.*``."""

    def __init__(self, cin, cout):
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.proj(x)


class SwinLayer(nn.Module):
    """The official BasicLayer with patch size 1 and no patch norm: embed 1x1, blocks, unembed 1x1 (no residual)."""

    def __init__(self, channels, embed_dim, heads, window, depth, build_size, mlp_ratio):
        super().__init__()
        self.patch_embed = Conv1x1(channels, embed_dim)
        self.patch_unembed = Conv1x1(embed_dim, channels)
        # Blocks built for a resolution <= window get neither a shift nor a mask (decided at construction).
        shift_ok = build_size > window
        self.blocks = nn.ModuleList(
            SwinBlock(embed_dim, heads, window, window // 2 if (i % 2 == 1 and shift_ok) else 0, mlp_ratio, build_size)
            for i in range(depth)
        )

    def forward(self, x):
        x = self.patch_embed(x)
        for b in self.blocks:
            x = b(x)
        return self.patch_unembed(x)


class ResBlock(nn.Module):
    def __init__(self, cin, emb_dim, cout, scale_shift=True):
        super().__init__()
        self.scale_shift = scale_shift
        self.in_layers = nn.Sequential(GroupNorm32(cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * cout if scale_shift else cout))
        self.out_layers = nn.Sequential(GroupNorm32(cout), nn.SiLU(), nn.Dropout(0.0), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        e = self.emb_layers(emb).type(h.dtype)[:, :, None, None]
        if self.scale_shift:
            scale, shift = torch.chunk(e, 2, dim=1)
            h = self.out_layers[0](h) * (1 + scale) + shift
            h = self.out_layers[3](self.out_layers[2](self.out_layers[1](h)))
        else:
            h = self.out_layers(h + e)
        return self.skip_connection(x) + h


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Stage(nn.ModuleList):
    """A list of layers; ResBlocks also get the time embedding."""

    def forward(self, x, emb):
        for m in self:
            x = m(x, emb) if isinstance(m, ResBlock) else m(x)
        return x


class UNetModelSwin(nn.Module):
    """The official ResShift Swin-UNet for the x4 configs (lq concatenated to the latent, lq_size == image_size)."""

    def __init__(self, image_size=64, in_channels=3, model_channels=160, out_channels=3,
                 num_res_blocks=(2, 2, 2, 2), attention_resolutions=(64, 32, 16, 8), channel_mult=(1, 2, 2, 4),
                 num_head_channels=32, use_scale_shift_norm=True, swin_depth=2, swin_embed_dim=192,
                 window_size=8, mlp_ratio=4.0, cond_lq=True, lq_size=64):
        super().__init__()
        if not cond_lq or lq_size != image_size:
            raise NotImplementedError("only the x4 layout (cond_lq, lq_size == image_size: lq concatenated) is implemented")
        if isinstance(num_res_blocks, int):
            num_res_blocks = [num_res_blocks] * len(channel_mult)
        if len(num_res_blocks) != len(channel_mult):
            raise ValueError("num_res_blocks and channel_mult differ in length")
        self.model_channels = model_channels
        self.window_size = window_size
        self.levels = len(channel_mult)
        emb_dim = 4 * model_channels
        heads = swin_embed_dim // num_head_channels
        ss = use_scale_shift_norm

        def swin(ch, size):
            return SwinLayer(ch, swin_embed_dim, heads, window_size, swin_depth, size, mlp_ratio)

        self.time_embed = nn.Sequential(nn.Linear(model_channels, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        ch = int(channel_mult[0] * model_channels)
        first_ch = ch
        self.input_blocks = nn.ModuleList([Stage([nn.Conv2d(in_channels + 3, ch, 3, padding=1)])])
        skips = [ch]
        ds = image_size
        for level, mult in enumerate(channel_mult):
            for j in range(num_res_blocks[level]):
                out = int(mult * model_channels)
                layers = [ResBlock(ch, emb_dim, out, ss)]
                ch = out
                if ds in attention_resolutions and j == 0:
                    layers.append(swin(ch, ds))
                self.input_blocks.append(Stage(layers))
                skips.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(Stage([Downsample(ch)]))
                skips.append(ch)
                ds //= 2
        self.middle_block = Stage([ResBlock(ch, emb_dim, ch, ss), swin(ch, ds), ResBlock(ch, emb_dim, ch, ss)])
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mult))):
            for i in range(num_res_blocks[level] + 1):
                out = int(mult * model_channels)
                layers = [ResBlock(ch + skips.pop(), emb_dim, out, ss)]
                ch = out
                if ds in attention_resolutions and i == 0:
                    layers.append(swin(ch, ds))
                if level and i == num_res_blocks[level]:
                    layers.append(Upsample(ch))
                    ds *= 2
                self.output_blocks.append(Stage(layers))
        self.out = nn.Sequential(GroupNorm32(ch), nn.SiLU(), nn.Conv2d(first_ch, out_channels, 3, padding=1))

    def swin_blocks(self):
        return [m for m in self.modules() if isinstance(m, SwinBlock)]

    def export_mode(self, h, w):
        """Freeze window sizes, relative-position biases and shift masks for an h x w latent (call after loading)."""
        mult = 2 ** (self.levels - 1) * self.window_size
        if h % mult or w % mult:
            raise ValueError(f"latent size {h}x{w} must be a multiple of {mult}")
        for blk, (bh, bw) in self._swin_sizes(h, w):
            blk.freeze(bh, bw)
        return self

    def eager_mode(self):
        for b in self.swin_blocks():
            b.unfreeze()
        return self

    def _swin_sizes(self, h, w):
        """(SwinBlock, (h, w)) for every block at an h x w latent, following the block order of forward()."""
        out = []
        cur = [h, w]

        def visit(stage):
            for m in stage:
                if isinstance(m, Downsample):
                    cur[0], cur[1] = (cur[0] + 1) // 2, (cur[1] + 1) // 2
                elif isinstance(m, Upsample):
                    cur[0], cur[1] = cur[0] * 2, cur[1] * 2
                elif isinstance(m, SwinLayer):
                    out.extend((b, (cur[0], cur[1])) for b in m.blocks)

        for s in self.input_blocks:
            visit(s)
        visit(self.middle_block)
        for s in self.output_blocks:
            visit(s)
        return out

    def forward(self, x, timesteps, lq):
        """x: N x 3 x h x w scaled latent; timesteps: N step indices; lq: N x 3 x h x w LR image in [-1, 1]."""
        emb = self.time_embed(timestep_embedding(timesteps, self.model_channels))
        h = torch.cat([x, lq.type(x.dtype)], dim=1)
        hs = []
        for s in self.input_blocks:
            h = s(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for s in self.output_blocks:
            h = s(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)
