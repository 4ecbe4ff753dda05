package org.netstack4j.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The loss chart: TCP throughput against the loss rate, one line per recovery scheme, logarithmic. */
final class LossChart {
    private static final Color[] COLORS = {
            new Color(0x2CA02C), // SACK + RACK, CUBIC: green
            new Color(0x1F77B4), // SACK + RACK, NewReno: blue
            new Color(0xD62728), // NewReno, no SACK: red
    };

    private LossChart() {
    }

    static void write(Path file, List<Double> rates, List<LossCommand.Curve> curves, long bytes, int seeds)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(640)
                .title(String.format(Locale.ROOT, "TCP throughput against loss (netstack4j, simulated time; %,d MB "
                        + "per transfer, %d seeds)", bytes >> 20, seeds))
                .xAxisTitle("frames lost each way (%) — link 100 Mbit/s, 10 ms round trip")
                .yAxisTitle("throughput (Mbit/s, log scale)")
                .build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.InsideNE);
        st.setLegendBorderColor(Color.LIGHT_GRAY);
        st.setChartTitleBoxVisible(false);
        chart.getStyler().setMarkerSize(7);
        chart.getStyler().setPlotGridLinesColor(new Color(0xE0E0E0));
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.#");
        double[] x = rates.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 0; i < curves.size(); i++) {
            LossCommand.Curve c = curves.get(i);
            XYSeries s = chart.addSeries(c.recovery().label(), x, c.mbitPerSecond());
            s.setLineColor(COLORS[i % COLORS.length]);
            s.setMarkerColor(COLORS[i % COLORS.length]);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
