//! Network weights on disk (burnpack): saving (full or half precision) and loading into a
//! network of the same shape, with the pre-fused BiLSTM layout converted; optimizer state.
//! Written like every run file ([`super::files`]): to a temporary name, then renamed.

use super::files::tmp_path;
use crate::error::{Error, Result};
use crate::models::{BiLstmNet, BurnBiLstmNet, Network};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{BurnpackStore, DTypePolicy, HalfPrecisionAdapter, ModuleRecord, ModuleSnapshot};
use std::path::Path;

fn weights_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Weights {
        path: path.into(),
        reason: e.to_string(),
    }
}

/// Saves a module's weights (burnpack, parameter ids included) atomically.
pub fn save_module<M: Module>(path: &Path, module: &M) -> Result<()> {
    let tmp = tmp_path(path);
    module.clone().save_file(&tmp).map_err(|e| weights_err(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Saves a module with its weights in f16 (BatchNorm statistics stay f32), half the size;
/// for models that ship in the repository. [`load_network`] reads either precision.
pub fn save_module_half<M: Module>(path: &Path, module: &M) -> Result<()> {
    let tmp = tmp_path(path);
    let mut store = BurnpackStore::from_file(&tmp).with_to_adapter(HalfPrecisionAdapter::new());
    module.save_into(&mut store).map_err(|e| weights_err(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn load_record(path: &Path) -> Result<ModuleRecord> {
    Ok(ModuleRecord::load(path)
        .map_err(|e| weights_err(path, e))?
        .with_dtype_policy(DTypePolicy::CastToModule))
}

/// Loads network weights into a network of the same shape, cast to its float type. A BiLSTM
/// checkpoint written before the fused layer (Burn's `BiLstm`, per-gate `Linear`s) is converted
/// to the fused layout.
pub fn load_network(path: &Path, network: Network) -> Result<Network> {
    let Network::BiLstm(net) = network else {
        return network
            .try_load_record(load_record(path)?)
            .map_err(|e| weights_err(path, e));
    };
    let fused_err = match Network::BiLstm(net.clone()).try_load_record(load_record(path)?) {
        Ok(loaded) => return Ok(loaded),
        Err(e) => e,
    };
    match legacy_bilstm(&net).try_load_record(load_record(path)?) {
        Ok(LegacyNetwork::BiLstm(old)) => Ok(Network::BiLstm(old.into_fused().map_err(|e| weights_err(path, e))?)),
        Err(_) => Err(weights_err(path, fused_err)),
    }
}

/// How checkpoints written before the fused BiLSTM named their network: [`Network`]'s BiLstm
/// variant held Burn's `BiLstm` layers.
#[derive(Module, Debug)]
pub enum LegacyNetwork {
    BiLstm(BurnBiLstmNet),
}

/// The pre-fused network of the same shape as `net`, on its device.
fn legacy_bilstm(net: &BiLstmNet) -> LegacyNetwork {
    let [_, _, n_mels] = net.lstm1.weight_ih.dims();
    let [_, classes] = net.fc.weight.dims();
    let device = net.fc.weight.device();
    LegacyNetwork::BiLstm(BurnBiLstmNet::new(
        n_mels,
        net.lstm1.hidden(),
        net.dropout.prob,
        classes,
        &device,
    ))
}

/// Saves the optimizer state atomically.
pub fn save_optimizer(path: &Path, optimizer: &ModuleOptimizer) -> Result<()> {
    let tmp = tmp_path(path);
    optimizer.save(&tmp).map_err(|e| weights_err(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Loads optimizer state saved by [`save_optimizer`].
pub fn load_optimizer(path: &Path, optimizer: ModuleOptimizer) -> Result<ModuleOptimizer> {
    optimizer.load(path).map_err(|e| weights_err(path, e))
}
