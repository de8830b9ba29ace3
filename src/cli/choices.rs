//! The library's enums as command-line choices: each value is the name the enum has in run
//! files (its serde name), with the help line `--help` shows beside it.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use emovox::gpu::DeviceChoice;
use emovox::models::{BnAdaptation, ModelKind};
use serde::de::DeserializeOwned;

/// A parser that offers `values` (name, help) and reads the chosen one as `T`.
fn choice<T>(values: &[(&'static str, &'static str)]) -> impl TypedValueParser<Value = T>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(values.iter().map(|&(name, help)| PossibleValue::new(name).help(help)))
        .try_map(|name| serde_json::from_value::<T>(serde_json::Value::String(name)))
}

/// `--device`.
pub fn device() -> impl TypedValueParser<Value = DeviceChoice> {
    choice(&[
        ("auto", "wgpu on a hardware GPU if one exists, else the CPU"),
        ("gpu", "the wgpu device (Vulkan, Metal or DX12), even a software one"),
        ("cpu", "Burn's flex CPU backend"),
    ])
}

/// `--model`.
pub fn model() -> impl TypedValueParser<Value = ModelKind> {
    choice(&[
        ("svm", "20 MFCC time-means + RBF SVM (the paper's Model 1)"),
        ("bilstm", "two bidirectional LSTM layers over log-mel frames (Model 2)"),
        ("resnet34", "ResNet34 on the log-mel image (Models 3-5)"),
        ("cnn", "a compact 4-block CNN on the log-mel image"),
        (
            "efficientat",
            "EfficientAT's MobileNetV3 mn04 on its own 32 kHz log-mel front end; AudioSet-pretrained with --pretrained",
        ),
    ])
}

/// `--adapt-bn`.
pub fn adaptation() -> impl TypedValueParser<Value = BnAdaptation> {
    choice(&[
        ("scored", "all the clips scored together (a new corpus or microphone)"),
        (
            "speaker",
            "each speaker's clips separately (needs several clips per speaker)",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[arg(long, value_parser = device(), default_value = "auto")]
        device: DeviceChoice,
        #[arg(long, value_parser = model())]
        model: Option<ModelKind>,
        #[arg(long, value_parser = adaptation())]
        adapt_bn: Option<BnAdaptation>,
    }

    #[test]
    fn choices_read_as_the_library_enums() {
        let p = Probe::try_parse_from(["x", "--model", "resnet34", "--adapt-bn", "speaker"]).unwrap();
        assert_eq!(p.device, DeviceChoice::Auto);
        assert_eq!(p.model, Some(ModelKind::Resnet34));
        assert_eq!(p.adapt_bn, Some(BnAdaptation::Speaker));
        let p = Probe::try_parse_from(["x", "--device", "cpu", "--model", "efficientat"]).unwrap();
        assert_eq!((p.device, p.model), (DeviceChoice::Cpu, Some(ModelKind::Efficientat)));
        assert!(Probe::try_parse_from(["x", "--model", "resnet"]).is_err());
    }
}
