# Reference PPS inclusion probabilities (with certainty units) from R package sampling.
# Run from this folder:  Rscript r_sampling_reference.R
library(sampling)
sizes <- c(1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987)
out <- data.frame(size = sizes,
                  pi_4 = inclusionprobabilities(sizes, 4),
                  pi_7 = inclusionprobabilities(sizes, 7),
                  pi_12 = inclusionprobabilities(sizes, 12))
write.csv(format(out, digits = 17), "pps_r_sampling.csv", row.names = FALSE, quote = FALSE)
cat(R.version.string, "sampling", as.character(packageVersion("sampling")), "\n")
