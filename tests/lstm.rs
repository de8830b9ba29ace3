//! The fused BiLSTM (emovox::models::lstm) against its references: Burn's own `BiLstm` built
//! with the same weights and PyTorch's `nn.LSTM(bidirectional=True)` (fixture written by
//! tests/fixtures/bilstm_torch.py), on flex and on the wgpu device; outputs and the gradients of
//! the input and of every weight agree within 1e-4 relative (max abs error / max abs reference).
//! Also: old-layout checkpoints load converted.

mod common;

use burn::module::{Module, ModuleMapper, Param};
use burn::nn::{BiLstm, BiLstmConfig};
use burn::tensor::{Device, Distribution, Gradients, Tensor, TensorData};
use emovox::models::lstm::{FusedBiLstm, backward_gates, forward_state};
use emovox::models::{BiLstmNet, BurnBiLstmNet, Network};
use emovox::run::checkpoint::LegacyNetwork;
use emovox::run::{load_network, save_module};

const REL: f32 = 1e-4;

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().expect("tensor reads back")
}

/// max |got - want| <= REL * max |want| (an all-zero reference, e.g. dW_hh at T = 1, must be
/// matched exactly).
fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    // NaN counts as an infinite error (f32::max would skip it).
    let err = got.iter().zip(want).fold(0f32, |m, (a, b)| {
        let d = (a - b).abs();
        if d.is_nan() { f32::INFINITY } else { m.max(d) }
    });
    assert!(
        err <= REL * scale,
        "{what}: max error {err:e} vs scale {scale:e} (rel {:e})",
        err / scale
    );
}

/// Replaces every parameter of a module by its gradient (Burn's layout, for conversion).
struct ToGrad<'a>(&'a Gradients);

impl ModuleMapper for ToGrad<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        Param::from_tensor(param.val().grad(self.0).expect("every weight has a gradient"))
    }
}

/// The four fused parameters' gradients (or values), in order.
fn fused_params(layer: &FusedBiLstm, grads: Option<&Gradients>) -> Vec<(&'static str, Vec<f32>)> {
    let pick = |t: Tensor<3>| host(grads.map_or(t.clone(), |g| t.grad(g).expect("gradient")));
    let pick2 = |t: Tensor<2>| host(grads.map_or(t.clone(), |g| t.grad(g).expect("gradient")));
    vec![
        ("weight_ih", pick(layer.weight_ih.val())),
        ("weight_hh", pick(layer.weight_hh.val())),
        ("bias_ih", pick2(layer.bias_ih.val())),
        ("bias_hh", pick2(layer.bias_hh.val())),
    ]
}

/// Burn's BiLstm and the fused layer with the same weights on `device` (autodiff), the same
/// input and loss sum(out * r): outputs, input and weight gradients agree.
fn parity_with_burn(device: &Device, b: usize, t: usize, i: usize, h: usize) {
    let ad = device.clone().autodiff();
    ad.seed(7);
    let burn: BiLstm = BiLstmConfig::new(i, h, true).with_batch_first(true).init(&ad);
    let fused = FusedBiLstm::from_burn(&burn).expect("a biased BiLstm converts");
    let x0 = Tensor::<3>::random([b, t, i], Distribution::Normal(0.0, 1.0), device);
    let r = Tensor::<3>::random([b, t, 2 * h], Distribution::Normal(0.0, 1.0), device).autodiff();
    let shape = format!("B {b} T {t} I {i} H {h}");

    let x = x0.clone().autodiff().require_grad();
    let (out_burn, _) = burn.forward(x.clone(), None);
    let grads = (out_burn.clone() * r.clone()).sum().backward();
    let gx_burn = host(x.grad(&grads).expect("x gradient"));
    let burn_grads = FusedBiLstm::from_burn(&burn.clone().map(&mut ToGrad(&grads))).expect("converts");

    let x = x0.autodiff().require_grad();
    let out = fused.forward(x.clone());
    let grads = (out.clone() * r).sum().backward();
    assert_close(&format!("{shape}: output"), &host(out), &host(out_burn));
    assert_close(
        &format!("{shape}: dx"),
        &host(x.grad(&grads).expect("x gradient")),
        &gx_burn,
    );
    let want = fused_params(&burn_grads, None);
    for ((name, got), (_, want)) in fused_params(&fused, Some(&grads)).iter().zip(&want) {
        assert_close(&format!("{shape}: d{name}"), got, want);
    }
}

const SHAPES: [(usize, usize, usize, usize); 4] = [(1, 1, 3, 2), (3, 1, 5, 7), (5, 9, 4, 3), (2, 17, 6, 5)];

#[test]
fn flex_matches_burn_bilstm() {
    for (b, t, i, h) in SHAPES {
        parity_with_burn(&Device::flex(), b, t, i, h);
    }
}

#[test]
fn flex_matches_burn_bilstm_at_the_real_shape() {
    parity_with_burn(&Device::flex(), 64, 251, 128, 128);
}

#[test]
fn wgpu_matches_burn_bilstm() {
    let Some(gpu) = common::wgpu_or_skip() else { return };
    for (b, t, i, h) in SHAPES {
        parity_with_burn(&gpu.device, b, t, i, h);
    }
}

/// The WGSL kernels against their Rust twin (itself checked against Burn above) at the real
/// shape, B 64, T 251, H 128: Burn's BiLstm is too slow on a software adapter to compare there.
#[test]
fn wgpu_kernels_match_the_twin_at_the_real_shape() {
    let Some(gpu) = common::wgpu_or_skip() else { return };
    let (b, t, h) = (64, 251, 128);
    let flex = Device::flex();
    let data = |shape: Vec<usize>, std: f64| {
        host(Tensor::<1>::random(
            [shape.iter().product::<usize>()],
            Distribution::Normal(0.0, std),
            &flex,
        ))
    };
    let xproj = TensorData::new(data(vec![b, t, 2, 4 * h], 1.0), [b, t, 2, 4 * h]);
    let w_hh = TensorData::new(data(vec![2, 4 * h, h], 0.1), [2, 4 * h, h]);
    let dh = TensorData::new(data(vec![b, t, 2, h], 1.0), [b, t, 2, h]);
    let on = |device: &Device| {
        let w = Tensor::<3>::from_data(w_hh.clone(), device);
        let state = forward_state(Tensor::from_data(xproj.clone(), device), w.clone());
        let gates = backward_gates(state.clone(), Tensor::from_data(dh.clone(), device), w);
        (host(state), host(gates))
    };
    let (state_gpu, gates_gpu) = on(&gpu.device);
    let (state_cpu, gates_cpu) = on(&flex);
    assert_close("state", &state_gpu, &state_cpu);
    assert_close("dgates", &gates_gpu, &gates_cpu);
}

/// PyTorch's nn.LSTM(bidirectional=True) fixture (float64 reference): parameter names
/// `weight_ih_l0` and `..._reverse` map to direction 0 and 1.
fn parity_with_torch(device: &Device) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bilstm_torch.json");
    let text = std::fs::read_to_string(&path).expect("fixture is committed");
    let fx: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
    let n = |k: &str| fx[k].as_u64().expect("size") as usize;
    let v = |k: &str| -> Vec<f32> {
        fx[k]
            .as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number") as f32)
            .collect()
    };
    let (b, t, i, h) = (n("b"), n("t"), n("i"), n("h"));
    let both = |name: &str| [v(&format!("{name}_l0")), v(&format!("{name}_l0_reverse"))].concat();
    let ad = device.clone().autodiff();
    let param3 = |name: &str, cols: usize| Param::from_data(TensorData::new(both(name), [2, 4 * h, cols]), &ad);
    let param2 = |name: &str| Param::from_data(TensorData::new(both(name), [2, 4 * h]), &ad);
    let layer = FusedBiLstm {
        weight_ih: param3("weight_ih", i),
        weight_hh: param3("weight_hh", h),
        bias_ih: param2("bias_ih"),
        bias_hh: param2("bias_hh"),
    };
    let x = Tensor::<3>::from_data(TensorData::new(v("x"), [b, t, i]), &ad).require_grad();
    let r = Tensor::<3>::from_data(TensorData::new(v("r"), [b, t, 2 * h]), &ad);
    let out = layer.forward(x.clone());
    let grads = (out.clone() * r).sum().backward();
    assert_close("torch output", &host(out), &v("out"));
    assert_close("torch dx", &host(x.grad(&grads).expect("x gradient")), &v("grad_x"));
    for (name, got) in fused_params(&layer, Some(&grads)) {
        assert_close(&format!("torch d{name}"), &got, &both(&format!("grad_{name}")));
    }
}

#[test]
fn flex_matches_pytorch() {
    parity_with_torch(&Device::flex());
}

#[test]
fn wgpu_matches_pytorch() {
    let Some(gpu) = common::wgpu_or_skip() else { return };
    parity_with_torch(&gpu.device);
}

/// A fresh fused network of the shape the checkpoint tests use (6 mels, hidden 5, 4 classes).
fn fresh(device: &Device) -> Network {
    Network::BiLstm(BiLstmNet::new(6, 5, 0.0, 4, device))
}

/// A checkpoint of the network on Burn's BiLstm (the layout before the fused layer) loads
/// converted: same logits.
#[test]
fn old_bilstm_checkpoints_load_converted() {
    let device = Device::flex();
    device.seed(3);
    let old = BurnBiLstmNet::new(6, 5, 0.0, 4, &device);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.bpk");
    save_module(&path, &LegacyNetwork::BiLstm(old.clone())).expect("saves");
    let x = Tensor::<3>::random([2, 9, 6], Distribution::Normal(0.0, 1.0), &device);
    let want = host(old.forward(x.clone()));
    let loaded = load_network(&path, fresh(&device)).expect("converts");
    let Network::BiLstm(net) = loaded else {
        panic!("a BiLSTM network")
    };
    assert_close("converted logits", &host(net.forward(x)), &want);
    // A fused checkpoint round-trips too.
    let fused_path = dir.path().join("fused.bpk");
    save_module(&fused_path, &Network::BiLstm(net.clone())).expect("saves");
    let again = load_network(&fused_path, fresh(&device)).expect("loads");
    let Network::BiLstm(again) = again else {
        panic!("a BiLSTM network")
    };
    assert_eq!(fused_params(&again.lstm2, None), fused_params(&net.lstm2, None));
}

/// A checkpoint of another shape is refused with a typed weights error naming the file.
#[test]
fn mismatched_bilstm_checkpoints_are_refused() {
    let device = Device::flex();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("other.bpk");
    save_module(&path, &Network::BiLstm(BiLstmNet::new(6, 3, 0.0, 4, &device))).expect("saves");
    let err = load_network(&path, fresh(&device)).expect_err("hidden 3 is not 5");
    assert!(matches!(err, emovox::Error::Weights { .. }), "{err}");
    assert!(err.to_string().contains("other.bpk"), "{err}");
}
