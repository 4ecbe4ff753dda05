package org.netstack4j.cli;

import org.knowm.xchart.AnnotationTextPanel;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.netstack4j.exec.CostModel;
import org.netstack4j.lab.Livelock;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The livelock chart: output rate against input rate, one line per mode, like the paper's figures. */
final class LivelockChart {
    private static final Color[] COLORS = {
            new Color(0xD62728), // interrupt: red
            new Color(0xFF7F0E), // interrupt_itr: orange
            new Color(0x1F77B4), // napi_64: blue
            new Color(0x17BECF), // napi_5: cyan
            new Color(0x2CA02C), // busy_poll: green
    };

    private LivelockChart() {
    }

    static void write(Path file, List<Livelock.ModeResult> results, CostModel costs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1100).height(760)
                .title("Receive livelock: router output vs input, 64-byte frames (netstack4j, simulated time)")
                .xAxisTitle("input rate (thousand packets/s)")
                .yAxisTitle("output rate (thousand packets/s)")
                .build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Vertical);
        st.setLegendBorderColor(Color.LIGHT_GRAY);
        st.setChartTitleBoxVisible(false);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setPlotGridLinesColor(new Color(0xE0E0E0));
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(12f));

        double maxX = 0;
        double maxY = 0;
        for (Livelock.ModeResult r : results) {
            for (Livelock.Point p : r.points()) {
                maxX = Math.max(maxX, p.inputPps() / 1000.0);
                maxY = Math.max(maxY, p.outputPps() / 1000.0);
            }
        }
        double top = Math.max(1, maxY * 1.15);
        XYSeries ideal = chart.addSeries("output = input (no loss)", new double[] {0, top}, new double[] {0, top});
        ideal.setMarker(SeriesMarkers.NONE);
        ideal.setLineColor(Color.GRAY);
        ideal.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));

        for (Livelock.ModeResult r : results) {
            List<Livelock.Point> pts = r.points();
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i).inputPps() / 1000.0;
                y[i] = pts.get(i).outputPps() / 1000.0;
            }
            String name = String.format(java.util.Locale.ROOT, "%s: peak %,.0f k, %.0f%% of it at 4x",
                    r.mode().label(), r.peakPps() / 1000, 100 * r.overloadFraction());
            XYSeries s = chart.addSeries(name, x, y);
            Color c = COLORS[r.mode().ordinal() % COLORS.length];
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(SeriesLines.SOLID);
        }
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(maxX * 1.02);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(top);
        StringBuilder note = new StringBuilder("router CPU costs (simulated):");
        for (var e : costs.asMap().entrySet()) {
            if (!LivelockReport.routerWork(e.getKey(), e.getValue())) {
                continue;
            }
            note.append(String.format(java.util.Locale.ROOT, "%n  %s: %.1f µs", e.getKey().description(), e.getValue() / 1000.0));
        }
        chart.addAnnotation(new AnnotationTextPanel(note.toString(), maxX * 0.66, top * 0.36, false));
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
