//! The classifiers: [`svm`] on MFCC means (linfa), and the Burn networks ([`network`]:
//! [`bilstm`], [`resnet`], [`cnn`], [`mobilenet`]), which run on whichever device their tensors
//! live on (wgpu GPU or flex CPU); how log-mels become their input ([`input`]), batched
//! inference ([`infer`]) and test-time BatchNorm adaptation ([`adapt`]).

pub mod adapt;
pub mod bilstm;
pub mod cnn;
pub mod config;
pub mod conv;
pub mod hardswish;
pub mod host;
pub mod import;
pub mod infer;
pub mod input;
pub mod lstm;
pub mod mobilenet;
pub mod network;
pub mod norm;
pub mod pool;
pub mod resnet;
pub mod svm;

pub use adapt::{BnAdaptation, adapt_batch_norm, adapted_probabilities};
pub use bilstm::{BiLstmNet, BurnBiLstmNet};
pub use cnn::Cnn;
pub use config::{Arch, BiLstmConfig, CnnConfig, EfficientAtConfig, InputNorm, ModelKind, NetConfig, ResNetConfig};
pub use import::MN04_WIDTH;
pub use infer::{Inputs, index_tensor, select_rows};
pub use input::{augmented_dims, prepare_input, scale, to_network, utterance_normalise, warp_fill};
pub use mobilenet::{MobileNet, TRAIN_BN_MOMENTUM};
pub use network::{CNN_WIDTH, EFFICIENTAT_FLOOR, IMAGENET_MEAN, IMAGENET_STD, NetInput, Network, load_resnet34};
pub use resnet::ResNet;
pub use svm::{SvmConfig, SvmModel};
