"""Export a torchvision ImageNet backbone to ONNX with its PatchCore feature outputs (layer2, layer3).

Runs in the Docker build stage (it downloads the torchvision weights). Writes:
  <out>/model.onnx      input `image` float32 [N,3,H,W] (H, W multiples of 16), outputs `layer2` (stride 8) and
                        `layer3` (stride 16), NCHW, batch and spatial axes dynamic
  <out>/manifest.json   the MM-DO backbone manifest (lambdas/domain/backbone/manifest.ts): preprocessing,
                        strides, channels, patch and embedding layers, sha256 of model.onnx

Usage: python export_backbone.py --arch wide_resnet50_2 --out /models/wide_resnet50_2
"""
import argparse
import hashlib
import json
import pathlib

import torch
import torchvision

ARCHS = {
    # torchvision builder, weights enum, (layer2 channels, layer3 channels)
    "wide_resnet50_2": (torchvision.models.wide_resnet50_2, torchvision.models.Wide_ResNet50_2_Weights.IMAGENET1K_V1, (512, 1024)),
    "resnet50": (torchvision.models.resnet50, torchvision.models.ResNet50_Weights.IMAGENET1K_V2, (512, 1024)),
}


class Layer23(torch.nn.Module):
    """The ResNet trunk up to layer3, returning the layer2 and layer3 activations (what PatchCore uses)."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.stem = torch.nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3

    def forward(self, image: torch.Tensor):
        x = self.layer1(self.stem(image))
        l2 = self.layer2(x)
        return l2, self.layer3(l2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", choices=sorted(ARCHS), default="wide_resnet50_2")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--tile-size", type=int, default=256, help="preferred tile side; features of larger tiles may exceed 6 MB")
    args = parser.parse_args()

    build, weights, (c2, c3) = ARCHS[args.arch]
    model = Layer23(build(weights=weights)).eval()
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "model.onnx"
    dummy = torch.zeros(1, 3, 256, 256)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (dummy,),
            str(onnx_path),
            input_names=["image"],
            output_names=["layer2", "layer3"],
            dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "layer2": {0: "N", 2: "h8", 3: "w8"}, "layer3": {0: "N", 2: "h16", 3: "w16"}},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: stable output names and dynamic axes as declared
        )
        # Check the exported graph against PyTorch on a non-square input before shipping it.
        import onnxruntime as ort

        probe = torch.rand(2, 3, 192, 320)
        want = [t.numpy() for t in model(probe)]
        got = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"]).run(None, {"image": probe.numpy()})
        for name, w, g in zip(("layer2", "layer3"), want, got):
            err = float(abs(w - g).max() / (abs(w).max() + 1e-12))
            if w.shape != g.shape or err > 1e-3:
                raise SystemExit(f"{name}: ONNX output differs from PyTorch (shape {g.shape} vs {w.shape}, relative error {err:.2e})")

    sha256 = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    meta = weights.meta
    manifest = {
        "schemaVersion": 1,
        "id": args.arch,
        "sha256": sha256,
        "input": {
            "name": "image",
            "channels": 3,
            "range": 1,
            "preprocess": {"kind": "meanStd", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
            "sizeMultiple": 16,
            "tileSize": args.tile_size,
        },
        "outputs": [
            {"name": "layer2", "stride": 8, "channels": c2},
            {"name": "layer3", "stride": 16, "channels": c3},
        ],
        "patchLayers": ["layer2", "layer3"],
        "embeddingLayer": "layer3",
        "source": f"torchvision {torchvision.__version__} {weights} ({meta.get('recipe', '')})",
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(json.dumps({"model": str(onnx_path), "sha256": sha256, "bytes": onnx_path.stat().st_size}))


if __name__ == "__main__":
    main()
