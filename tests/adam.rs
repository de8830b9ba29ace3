//! The one-pass Adam on flex against Burn's Adam (`AdamConfig::new()`): the same parameters and
//! moments to the bit over several steps, on a shape that is one parallel piece and on one that
//! spans several with a ragged end, and states that carry over between the two optimizers.

use burn::optim::{Adam, AdamConfig, AdamState, Optimizer};
use burn::tensor::{Device, Distribution, Tensor};
use emovox::train::FusedAdam;

fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data().try_to_vec::<f32>().unwrap()
}

fn random<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<D> {
    let device = Device::flex();
    device.seed(seed);
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), &device)
}

/// Parameters and both moments.
fn state_values<const D: usize>(p: &Tensor<D>, s: &AdamState<D>) -> [Vec<f32>; 3] {
    [values(p), values(&s.momentum.moment_1), values(&s.momentum.moment_2)]
}

fn steps_agree<const D: usize>(shape: [usize; D]) {
    let (burn, fused): (Adam, FusedAdam) = (AdamConfig::new().build(), FusedAdam::default());
    let start = random(shape, 1);
    assert!(FusedAdam::fuses(&start));
    let (mut p_burn, mut p_fused) = (start.clone(), start);
    let (mut s_burn, mut s_fused) = (None, None);
    for step in 0..4u64 {
        let grad = random(shape, 10 + step).mul_scalar(0.1 * (step + 1) as f64);
        let lr = 1e-3 * 0.9f64.powi(step as i32);
        (p_burn, s_burn) = burn.step(lr, p_burn, grad.clone(), s_burn);
        (p_fused, s_fused) = fused.step(lr, p_fused, grad, s_fused);
        let (b, f) = (s_burn.as_ref().unwrap(), s_fused.as_ref().unwrap());
        assert_eq!(b.momentum.time, f.momentum.time);
        assert_eq!(
            state_values(&p_burn, b),
            state_values(&p_fused, f),
            "{shape:?}, step {step}"
        );
    }
    assert_eq!(p_fused.dims(), shape);
}

#[test]
fn one_pass_adam_is_burns_adam_to_the_bit() {
    steps_agree([7, 5, 3]);
    // Three parallel pieces of 16384 values and a ragged rest.
    steps_agree([3, 17, 1000]);
}

#[test]
fn adam_states_carry_over_between_burns_adam_and_the_one_pass_adam() {
    let (burn, fused): (Adam, FusedAdam) = (AdamConfig::new().build(), FusedAdam::default());
    let p = random([33, 9], 2);
    let (g1, g2) = (random([33, 9], 3), random([33, 9], 4));
    // Step 1 by Burn, step 2 by either: a checkpoint of one resumes in the other.
    let (p1, s1) = burn.step(1e-3, p, g1, None);
    let (p_burn, s_burn) = burn.step(9e-4, p1.clone(), g2.clone(), s1.clone());
    let (p_fused, s_fused) = fused.step(9e-4, p1, g2, s1);
    assert_eq!(
        state_values(&p_burn, &s_burn.unwrap()),
        state_values(&p_fused, &s_fused.unwrap())
    );
}
