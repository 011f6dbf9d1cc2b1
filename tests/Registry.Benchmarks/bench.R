# R's side of compare-with-r.sh: times survfit, survdiff and coxph(ties = "efron") on the CSVs the registry's
# benchmark wrote, reads the registry's BenchmarkDotNet JSON report, and prints seconds and registry/R per n.
#   Rscript tests/Registry.Benchmarks/bench.R DIR
# DIR holds trial-N.csv and registry-N.csv (from `write-csv DIR`) and bdn/results/*-report-full.json.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

dir <- commandArgs(trailingOnly = TRUE)[1]
sizes <- c(10000L, 100000L, 1000000L)
# More repeats where one run is short: system.time resolves milliseconds.
repeats <- c(`10000` = 21L, `100000` = 9L, `1000000` = 5L)

median_seconds <- function(f, times) median(replicate(times, system.time(f())[["elapsed"]]))

report <- list.files(file.path(dir, "bdn", "results"), pattern = "report-full\\.json$", full.names = TRUE)
stopifnot(length(report) == 1)
registry <- do.call(rbind, lapply(fromJSON(report, simplifyVector = FALSE)$Benchmarks, function(b) data.frame(
  step = b$Method, n = as.integer(sub(".*=", "", b$Parameters)), seconds = b$Statistics$Median / 1e9)))
registry_seconds <- function(step, n) registry$seconds[registry$step == step & registry$n == n]

rows <- lapply(sizes, function(n) {
  d <- read.csv(file.path(dir, sprintf("trial-%d.csv", n)))
  km <- function() survfit(Surv(days, died) ~ arm, data = d)
  lr <- function() survdiff(Surv(days, died) ~ arm, data = d)
  cx <- function() coxph(Surv(days, died) ~ arm + age + karnofsky, data = d, ties = "efron")
  all <- function() { km(); lr(); cx() }

  # Same patients on both sides: the registry's estimates on its in-memory data against R's on the CSV.
  ours <- read.csv(file.path(dir, sprintf("registry-%d.csv", n)))
  theirs <- c(lr()$chisq, unname(coef(cx())))
  agreement <- max(abs(ours$value - theirs) / abs(theirs))

  r <- c(all = median_seconds(all, repeats[[as.character(n)]]), km = median_seconds(km, repeats[[as.character(n)]]),
         lr = median_seconds(lr, repeats[[as.character(n)]]), cx = median_seconds(cx, repeats[[as.character(n)]]))
  g <- c(all = registry_seconds("All", n), km = registry_seconds("KaplanMeier", n),
         lr = registry_seconds("LogRank", n), cx = registry_seconds("Cox", n))
  data.frame(n = format(n, big.mark = ",", scientific = FALSE),
             registry_s = signif(g[["all"]], 3), R_s = signif(r[["all"]], 3), ratio = round(g[["all"]] / r[["all"]], 2),
             KM_ratio = round(g[["km"]] / r[["km"]], 2), logrank_ratio = round(g[["lr"]] / r[["lr"]], 2),
             cox_ratio = round(g[["cx"]] / r[["cx"]], 2), agreement = signif(agreement, 2))
})

cat(sprintf("\n%s, survival %s; registry: BenchmarkDotNet median, R: median of system.time (elapsed)\n",
            R.version.string, packageVersion("survival")))
cat("KM + log-rank + Cox (Efron; arm with 4 levels + age + Karnofsky), integer days; ratio = registry / R (target <= 1)\n\n")
print(do.call(rbind, rows), row.names = FALSE)
cat("\nagreement: largest relative difference of the log-rank chi-square and the Cox coefficients, registry vs R.\n")
cat("Cost: O(n log n) for the one sort by time (the Cox layout uses a linear radix sort), then O(n) per KM and\n")
cat("log-rank pass (O(n + m k^2) with m distinct times, k groups) and O(n p^2) per Newton-Raphson iteration of Cox\n")
cat("(p = 5 coefficients here, a handful of iterations): O(n log n) overall.\n")
