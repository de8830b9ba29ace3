//! 3 x 3 convolutions at stride 1 with padding 1 (ResNet34's and the compact CNN's) by
//! Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2016): each 2 x 2 block of outputs
//! ("tile") from the 4 x 4 input patch d around it and a 3 x 3 filter g as
//!
//! ```text
//! Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A
//!
//! B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
//!       | 0  1  1  0 |        | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
//!       | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
//!       | 0  1  0 -1 |        | 0    0    1  |
//! ```
//!
//! so that, summed over input channels, the 16 elementwise products become 16 matrix products
//! M_ξ [C_out, T] = U_ξ [C_out, C_in] V_ξ [C_in, T] over the T tiles of a chunk of images: 4
//! multiplications per output where the columns' product takes 9, and no columns. The input
//! gradient is the same convolution of the output gradient with each filter turned by 180
//! degrees and the channels swapped; the weight gradient runs the products backwards
//! ([`ops::weight_grad`]). The ops, chunks of images and the buffers they keep are in [`ops`],
//! the transforms in [`tiles`].

mod ops;
mod tiles;

pub use ops::{applies, forward, input_grad, weight_grad};
